package io.kpipe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SecretsTest {
    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"kpipe\" password=\"s3cret\";";

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "sasl.jaas.config|true",
            "producer.sasl.jaas.config|true",
            "ssl.keystore.password|true",
            "ssl.keystore.key|true",
            "ssl.truststore.certificates|true",
            "sasl.oauthbearer.client.credentials.client.secret|true",
            "db.password|true",
            "ingestToken|true",
            "keystorePassword|true",
            "security.protocol|false",
            "bootstrap.servers|false",
            "linger.ms|false"})
    void shouldTellSecretSettingsByNameOrByKafkasPasswordType(String key, boolean secret) {
        assertThat(Secrets.isSecretKey(key)).isEqualTo(secret);
        assertThat(Secrets.mask(key, "v")).isEqualTo(secret ? "[hidden]" : "v");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "jdbc:postgresql://db:5432/kpipe?user=u&password=s3cret&ssl=true|jdbc:postgresql://db:5432/kpipe?user=u&password=[hidden]&ssl=true",
            "jdbc:postgresql://db/kpipe?sslpassword=s3cret|jdbc:postgresql://db/kpipe?sslpassword=[hidden]",
            "postgresql://kpipe:s3cret@db:5432/kpipe|postgresql://kpipe:[hidden]@db:5432/kpipe",
            "https://u:s3cret@host/x and http://host:8080/y|https://u:[hidden]@host/x and http://host:8080/y",
            "PlainLoginModule required username=\"kpipe\" password=\"s3cret\";|PlainLoginModule required username=\"kpipe\" password=[hidden];",
            "ssl.key.password = s3cret|ssl.key.password = [hidden]",
            "ssl.key.password=s3,cr;et and more|ssl.key.password=[hidden] and more",
            "postgresql://kpipe:s3@cret@db:5432/kpipe|postgresql://kpipe:[hidden]@db:5432/kpipe",
            "basic.auth.user.info=u:s3cret|basic.auth.user.info=[hidden]",
            "cannot use jdbc:postgresql://127.0.0.1:5432/postgres: FATAL: password authentication failed for user \"kpipe\"|"
                    + "cannot use jdbc:postgresql://127.0.0.1:5432/postgres: FATAL: password authentication failed for user \"kpipe\"",
            "--ingest-token-file: no such file: /tmp/t|--ingest-token-file: no such file: /tmp/t",
            "{\"clientConfig\":{\"sasl.jaas.config\":\"x password=\\\"s3cret\\\";\",\"acks\":\"all\"}}|"
                    + "{\"clientConfig\":{\"sasl.jaas.config\":\"[hidden]\",\"acks\":\"all\"}}",
            "near x password=\\\"s3cret\\\"; at line 1|near x password=[hidden]; at line 1"})
    void shouldMaskEverySecretInTextAndNothingElse(String text, String masked) {
        assertThat(Secrets.maskText(text)).isEqualTo(masked);
    }

    @Test
    void shouldMaskSecretsInTheDescriptionOfSettingsRecords() {
        Map<String, String> client = new LinkedHashMap<>();
        client.put("security.protocol", "SASL_SSL");
        client.put("sasl.jaas.config", JAAS);
        KafkaConnection kafka = new KafkaConnection("127.0.0.1:9092", client);

        assertThat(kafka.toString()).isEqualTo("KafkaConnection[bootstrapServers=127.0.0.1:9092, "
                + "clientConfig={sasl.jaas.config=[hidden], security.protocol=SASL_SSL}]");
        assertThat(new RunConfig.Sink(true, "jdbc:postgresql://db/kpipe", "kpipe", "s3cret").toString())
                .isEqualTo("Sink[enabled=true, jdbcUrl=jdbc:postgresql://db/kpipe, user=kpipe, password=[hidden]]");
        assertThat(GeneratorConfigText.of(kafka)).doesNotContain("s3cret").contains("sasl.jaas.config=[hidden]");
    }

    @Test
    void shouldRefuseASecretOnTheCommandLineNamingTheFileAlternative() {
        assertThatThrownBy(() -> Secrets.requireNotOnCommandLine(Map.of("sasl.jaas.config", JAAS)))
                .isInstanceOf(UsageException.class)
                .hasMessage("-X sasl.jaas.config: holds a secret, which the process list would show; put it in a file "
                        + "readable by you only and give --kafka-config FILE");
        assertThatThrownBy(() -> Secrets.requireNotOnCommandLine(Map.of("main.consumer.ssl.key.password", "x")))
                .hasMessageStartingWith("-X main.consumer.ssl.key.password: holds a secret");
        assertThatThrownBy(() -> Secrets.requireNotOnCommandLine(Map.of("basic.auth.user.info", "u:x")))
                .hasMessageStartingWith("-X basic.auth.user.info: holds a secret");
        assertThatThrownBy(() -> Secrets.requireNotOnCommandLine(Map.of("sasl.oauthbearer.client.credentials.client.secret", "x")))
                .hasMessageStartingWith("-X sasl.oauthbearer.client.credentials.client.secret: holds a secret");
        Secrets.requireNotOnCommandLine(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.oauthbearer.token.endpoint.url", "https://idp/token"));
    }

    @Test
    void shouldRefuseAPasswordInADatabaseUrl() {
        assertThatThrownBy(() -> Secrets.requireNoPasswordInUrl("jdbc:postgresql://db/kpipe?user=u&password=s3cret",
                "--jdbc-url", "--db-password-file"))
                .hasMessage("--jdbc-url: holds a password, which the process list would show; put it in a file "
                        + "readable by you only and give --db-password-file FILE");
        assertThatThrownBy(() -> Secrets.requireNoPasswordInUrl("jdbc:postgresql://u:s3cret@db/kpipe",
                "--jdbc-url", "--password-file"))
                .hasMessageEndingWith("give --password-file FILE");
        Secrets.requireNoPasswordInUrl("jdbc:postgresql://db:5432/kpipe?user=u&ssl=true", "--jdbc-url", "--password-file");
        Secrets.requireNoPasswordInUrl(null, "--jdbc-url", "--password-file");
    }

    @Test
    void shouldWriteASecretFileOnlyItsOwnerCanRead() throws Exception {
        Path file = dir.resolve("pw");
        Secrets.writeOwnerOnly(file, "s3cret\n");

        assertThat(Files.readString(file)).isEqualTo("s3cret\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThatThrownBy(() -> Secrets.writeOwnerOnly(file, "other"))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
    }

    /** A record that holds a {@link KafkaConnection} prints it masked too. */
    private record GeneratorConfigText(KafkaConnection kafka, String topic) {
        static String of(KafkaConnection kafka) {
            return new GeneratorConfigText(kafka, "points").toString();
        }
    }
}
