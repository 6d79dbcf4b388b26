package io.kpipe.config;

import java.util.Base64;
import java.security.SecureRandom;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.RecordComponent;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The one place that decides what is a secret and how it is hidden, for everything kpipe prints:
 * banners, error lines, summaries, and the {@code toString} of every settings record that holds a
 * password or client settings.
 *
 * <pre>{@code
 * Secrets.mask("sasl.jaas.config", jaas)         // "[hidden]"
 * Secrets.maskText("jdbc:postgresql://h/db?user=u&password=pw")   // "...?user=u&password=[hidden]"
 * Secrets.maskText("https://u:pw@h/")            // "https://u:[hidden]@h/"
 * }</pre>
 *
 * Secrets come in only through files ({@code --db-password-file}, {@code --password-file},
 * {@code --ingest-token-file}, {@code --http-tls-password-file}, {@code --kafka-config}): a setting
 * given on kpipe's own command line would show in the process list, so
 * {@link #requireNotOnCommandLine} and {@link #requireNoPasswordInUrl} refuse one there.
 */
public final class Secrets {
    /** What a hidden value prints as: the word Kafka itself prints for a {@code Password} setting. */
    public static final String MASK = "[hidden]";

    /** A setting or parameter whose name says it holds a secret. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "password|passwd|secret|token|jaas|credential|passphrase|user\\.?info", Pattern.CASE_INSENSITIVE);

    /**
     * A {@code -X} setting refused by name, beside those Kafka types {@code PASSWORD}: names of
     * secrets that are not Kafka's own (a schema registry's {@code basic.auth.user.info}, an OAuth
     * {@code client.secret}). Not {@code token}: {@code sasl.oauthbearer.token.endpoint.url} is a URL.
     */
    private static final Pattern REFUSED_NAME = Pattern.compile(
            "password|passwd|secret|passphrase|user\\.?info", Pattern.CASE_INSENSITIVE);

    /**
     * {@code name=value} in free text (URL parameters, JAAS options, properties) with a secret-like
     * name; the value ends at a quote's end, at white space or at {@code &} (which separates URL
     * parameters: a URL's password has its own {@code &} percent-encoded); a {@code ,} or {@code ;}
     * may be part of a password, so it does not end one.
     */
    private static final Pattern SECRET_PAIR = Pattern.compile(
            "([\\w.-]*(?:password|passwd|secret|token|jaas|credential|passphrase|user\\.?info)[\\w.-]*)(\\s*=\\s*)"
                    + "(\\\\\"(?:[^\"\\\\]|\\\\[^\"])*\\\\\"|\"[^\"]*\"?|'[^']*'?|[^\\s&\"'\\\\]+)",
            Pattern.CASE_INSENSITIVE);

    /** {@code "name": "value"} in JSON with a secret-like name. */
    private static final Pattern SECRET_JSON = Pattern.compile(
            "(\"[^\"]*(?:password|passwd|secret|token|jaas|credential|passphrase|user\\.?info)[^\"]*\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"",
            Pattern.CASE_INSENSITIVE);

    /** The password of {@code scheme://user:password@host} (up to the last {@code @}: a password may hold one). */
    private static final Pattern USERINFO = Pattern.compile("(://[^/@\\s:]+):([^/\\s]+)@");

    /** A URL parameter that carries a password ({@code password=}, pgjdbc's {@code sslpassword=}...). */
    private static final Pattern URL_PASSWORD = Pattern.compile("[?&;][^=&;?]*password=", Pattern.CASE_INSENSITIVE);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static volatile Set<String> kafkaPasswords;

    private Secrets() {}

    /** Whether a setting named {@code key} holds a secret: by its name, or because Kafka types it {@code PASSWORD}. */
    public static boolean isSecretKey(String key) {
        return key != null && (SECRET_NAME.matcher(key).find() || isKafkaPassword(key));
    }

    /** {@code value} as it may be printed beside {@code key}: hidden for a secret key, else with any secret in it masked. */
    public static String mask(String key, String value) {
        return isSecretKey(key) ? MASK : maskText(value);
    }

    /** A copy of {@code settings} that may be printed: {@link #mask} applied to every entry. */
    public static Map<String, String> mask(Map<String, ?> settings) {
        Map<String, String> masked = new LinkedHashMap<>();
        settings.forEach((k, v) -> masked.put(k, mask(k, String.valueOf(v))));
        return masked;
    }

    /**
     * {@code text} with every secret it shows masked: {@code name=value} pairs whose name looks
     * secret (a JDBC URL's {@code password=}, a JAAS {@code password="..."}, a properties line) and
     * the password of a URL's {@code user:password@}. Null stays null.
     */
    public static String maskText(String text) {
        if (text == null) {
            return null;
        }
        String s = USERINFO.matcher(text).replaceAll("$1:" + Matcher.quoteReplacement(MASK) + "@");
        s = SECRET_JSON.matcher(s).replaceAll("$1\"" + Matcher.quoteReplacement(MASK) + "\"");
        return SECRET_PAIR.matcher(s).replaceAll("$1$2" + Matcher.quoteReplacement(MASK));
    }

    /**
     * Refuses a Kafka client setting given with {@code -X} that holds a secret (Kafka types it
     * {@code PASSWORD}, e.g. {@code sasl.jaas.config}, {@code ssl.keystore.password}; or its name
     * says secret, as the names masking hides do): on kpipe's command line, {@code ps} shows it to every user of the machine.
     */
    public static void requireNotOnCommandLine(Map<String, String> overrides) {
        for (String key : overrides.keySet()) {
            UsageException.require(!isKafkaPassword(key) && !REFUSED_NAME.matcher(key).find(),
                    "-X " + key, "holds a secret, which the process list would show; put it in a file readable by you "
                            + "only and give --kafka-config FILE");
        }
    }

    /**
     * Refuses a database URL holding a password ({@code password=...}, {@code sslpassword=...}, or
     * {@code user:password@}): it would show in the process list and wherever the URL is printed.
     */
    public static void requireNoPasswordInUrl(String url, String urlFlag, String passwordFileFlag) {
        if (url == null) {
            return;
        }
        boolean holds = URL_PASSWORD.matcher(url).find() || USERINFO.matcher(url).find();
        UsageException.require(!holds, urlFlag, "holds a password, which the process list would show; put it in a file "
                + "readable by you only and give " + passwordFileFlag + " FILE");
    }

    /**
     * A {@code toString} for a settings record: {@code Name[a=1, password=[hidden], ...]}, each
     * component masked by its name ({@link #mask}), maps entry by entry in key order; nested
     * records print with their own {@code toString}.
     */
    public static String describe(Record r) {
        StringJoiner j = new StringJoiner(", ", r.getClass().getSimpleName() + "[", "]");
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Object v;
            try {
                java.lang.reflect.Method accessor = c.getAccessor();
                accessor.setAccessible(true);
                v = accessor.invoke(r);
            } catch (ReflectiveOperationException e) {
                v = "?";
            }
            String shown;
            if (v instanceof Map<?, ?> m) {
                Map<String, String> masked = new java.util.TreeMap<>();
                m.forEach((k, val) -> masked.put(String.valueOf(k), mask(String.valueOf(k), String.valueOf(val))));
                shown = masked.toString();
            } else if (v instanceof String s) {
                shown = mask(c.getName(), s);
            } else {
                shown = String.valueOf(v);
            }
            j.add(c.getName() + "=" + (v == null ? "null" : shown));
        }
        return j.toString();
    }

    /**
     * Writes {@code content} to a new file {@code file} that only its owner can read and write (0600
     * from its creation: there is no moment in which another user could open it); fails if it exists.
     */
    public static void writeOwnerOnly(Path file, String content) throws IOException {
        writeOwnerOnly(file, content.getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #writeOwnerOnly(Path, String)} for bytes: the one way kpipe writes a file that may hold a secret. */
    public static void writeOwnerOnly(Path file, byte[] content) throws IOException {
        FileAttribute<Set<PosixFilePermission>> ownerOnly = PosixFilePermissions.asFileAttribute(
                ProcessorConfigFile.OWNER_ONLY);
        try (OutputStream out = Channels.newOutputStream(Files.newByteChannel(file,
                EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly))) {
            out.write(content);
        }
    }

    /**
     * A random secret of 192 bits as 32 characters of {@code [A-Za-z0-9_-]}: nothing to quote in a
     * JAAS line, a properties file, a pgpass line, a librdkafka config or a shell.
     */
    public static String randomSecret() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Kafka's own {@code PASSWORD} settings of its clients and Streams; prefixed forms ({@code producer.x}) count. */
    static boolean isKafkaPassword(String key) {
        for (String name : kafkaPasswords()) {
            if (key.equals(name) || key.endsWith("." + name)) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> kafkaPasswords() {
        Set<String> names = kafkaPasswords;
        if (names == null) {
            names = new TreeSet<>();
            for (ConfigDef def : new ConfigDef[] {ProducerConfig.configDef(), ConsumerConfig.configDef(),
                    AdminClientConfig.configDef(), StreamsConfig.configDef()}) {
                for (ConfigDef.ConfigKey k : def.configKeys().values()) {
                    if (k.type == ConfigDef.Type.PASSWORD) {
                        names.add(k.name);
                    }
                }
            }
            kafkaPasswords = Set.copyOf(names);
        }
        return names;
    }
}
