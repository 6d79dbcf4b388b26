package io.kpipe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kpipe.config.ProcessorConfig.Emit;
import io.kpipe.config.ProcessorConfig.Guarantee;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessorConfigFileTest {
    @TempDir
    Path dir;

    /** Every setting away from its default, a client secret among the Kafka settings. */
    static ProcessorConfig everySettingChanged(Path stateDir) {
        KafkaConnection kafka = new KafkaConnection("broker-1:9093,broker-2:9093", Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"kpipe\" password=\"s3cret-pw\";"));
        return ProcessorConfig.builder(kafka, "t1-", stateDir, 3)
                .applicationId("app-7")
                .guarantee(Guarantee.AT_LEAST_ONCE)
                .threads(5)
                .windowSize(Duration.ofMinutes(2))
                .grace(Duration.ofSeconds(45))
                .maxFuture(Duration.ofSeconds(210))
                .commitInterval(Duration.ofMillis(250))
                .cacheBytes(1_234_567)
                .standbys(2)
                .zscore(4.5)
                .applicationServer("127.0.0.1:4321")
                .emit(Emit.FINAL)
                .engine(io.kpipe.config.Engine.SPARK)
                .build();
    }

    @Test
    void shouldSetEverySettingOfTheRecordInTheFullConfig() throws Exception {
        ProcessorConfig full = everySettingChanged(dir.resolve("state"));
        ProcessorConfig defaults = ProcessorConfig.defaults(KafkaConnection.of("127.0.0.1:9092"), "", Path.of("state"), 1);

        // A setting added to the record must be set in everySettingChanged, or the round trip proves nothing for it.
        for (RecordComponent c : ProcessorConfig.class.getRecordComponents()) {
            assertThat(c.getAccessor().invoke(full)).as(c.getName()).isNotEqualTo(c.getAccessor().invoke(defaults));
        }
    }

    @Test
    void shouldReadBackTheIdenticalConfig() {
        ProcessorConfig full = everySettingChanged(dir.resolve("state"));
        Path file = dir.resolve("processor.json");

        ProcessorConfigFile.write(full, file);

        assertThat(ProcessorConfigFile.read(file)).isEqualTo(full);
    }

    @Test
    void shouldCreateTheFileReadableByItsOwnerOnly() throws Exception {
        Path file = dir.resolve("processor.json");

        ProcessorConfigFile.write(everySettingChanged(dir.resolve("state")), file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void shouldNotWriteIntoAFileThatExists() throws Exception {
        Path file = Files.writeString(dir.resolve("processor.json"), "someone else's");

        assertThatThrownBy(() -> ProcessorConfigFile.write(everySettingChanged(dir.resolve("state")), file))
                .isInstanceOf(UncheckedIOException.class);
        assertThat(Files.readString(file)).isEqualTo("someone else's");
    }

    @Test
    void shouldRefuseAFileThatLacksASetting() throws Exception {
        Path file = dir.resolve("processor.json");
        ProcessorConfigFile.write(everySettingChanged(dir.resolve("state")), file);
        String json = Files.readString(file, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("short.json"), json.replace("\"zscore\":4.5,", ""));

        assertThat(json).contains("\"zscore\":4.5,");
        assertThatThrownBy(() -> ProcessorConfigFile.read(dir.resolve("short.json")))
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--config-file: cannot read a processor configuration from ");
    }

    @Test
    void shouldValidateWhatItReadsLikeTheConstructor() throws Exception {
        Path file = dir.resolve("processor.json");
        ProcessorConfigFile.write(everySettingChanged(dir.resolve("state")), file);
        String json = Files.readString(file, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("bad.json"), json.replace("\"threads\":5", "\"threads\":0"));

        assertThatThrownBy(() -> ProcessorConfigFile.read(dir.resolve("bad.json")))
                .isInstanceOf(UsageException.class)
                .hasMessage("--threads: must be 1..64, got 0");
    }
}
