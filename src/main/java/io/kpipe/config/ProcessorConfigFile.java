package io.kpipe.config;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.function.Function;

/**
 * A whole {@link ProcessorConfig}, Kafka client settings included, as a JSON file that only its
 * owner can read: how {@code kpipe run --processors N} hands each child processor its configuration
 * ({@code kpipe process --child --config-file FILE}) without copying settings flag by flag, and
 * without putting client secrets (SASL passwords...) on a command line that {@code ps} shows.
 *
 * <pre>{@code
 * ProcessorConfigFile.write(config, dir.resolve("processor.json"));   // created 0600
 * ProcessorConfig same = ProcessorConfigFile.read(dir.resolve("processor.json"));
 * }</pre>
 *
 * Every record component is written, so a field added to the config travels without a change
 * here; reading needs every component present and validates like the constructor.
 */
public final class ProcessorConfigFile {
    /** Owner read and write, nothing for anybody else. */
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new SimpleModule("kpipe-processor-config")
                    .addSerializer(Duration.class, new ToStringSerializer<>(Duration.class))
                    .addDeserializer(Duration.class, new FromStringDeserializer<>(Duration.class, Duration::parse))
                    .addSerializer(Path.class, new ToStringSerializer<>(Path.class))
                    .addDeserializer(Path.class, new FromStringDeserializer<>(Path.class, Path::of)))
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ProcessorConfigFile() {}

    /**
     * Writes {@code config} to a new file {@code file}, created with permissions 0600 (no moment
     * exists in which another user could open it); fails if the file exists.
     */
    public static void write(ProcessorConfig config, Path file) {
        try {
            Secrets.writeOwnerOnly(file, MAPPER.writeValueAsBytes(config));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the processor configuration to " + file, e);
        }
    }

    /** The config {@link #write} wrote; a file that is missing, unreadable or invalid is a usage error. */
    public static ProcessorConfig read(Path file) {
        UsageException.require(Files.isRegularFile(file), "--config-file", "no such file: " + file);
        try {
            return MAPPER.readValue(file.toFile(), ProcessorConfig.class);
        } catch (IOException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UsageException u) {
                throw u;
            }
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new UsageException("--config-file", "cannot read a processor configuration from " + file + " ("
                    + why + ")");
        }
    }

    /** {@code value.toString()}: ISO-8601 for a {@link Duration}, the path as given for a {@link Path}. */
    private static final class ToStringSerializer<T> extends JsonSerializer<T> {
        private final Class<T> type;

        ToStringSerializer(Class<T> type) {
            this.type = type;
        }

        @Override
        public Class<T> handledType() {
            return type;
        }

        @Override
        public void serialize(T value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(value.toString());
        }
    }

    private static final class FromStringDeserializer<T> extends JsonDeserializer<T> {
        private final Class<T> type;
        private final Function<String, T> parse;

        FromStringDeserializer(Class<T> type, Function<String, T> parse) {
            this.type = type;
            this.parse = parse;
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String s = p.getValueAsString();
            try {
                return parse.apply(s);
            } catch (RuntimeException e) {
                return type.cast(ctxt.handleWeirdStringValue(type, s, e.getMessage()));
            }
        }
    }
}
