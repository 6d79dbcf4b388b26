package io.kpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets come in only through files, and HTTP leaves loopback only with TLS (and a token where
 * points are ingested): every other way is refused with one line naming the flag, exit 2, before
 * anything is started or connected to, and the line never repeats the secret.
 */
@Timeout(60)
class SecretUsageTest {
    private static final String SECRET = "s3cret-Xq7";

    @TempDir
    Path dir;

    private String keystore;
    private String passwordFile;

    @BeforeEach
    void files() throws Exception {
        // The checks here come before the keystore is opened: any file will do.
        keystore = Files.writeString(dir.resolve("http.p12"), "not read").toString();
        passwordFile = Files.writeString(dir.resolve("http.pw"), "changeit\n").toString();
    }

    @Test
    void shouldRefuseAKafkaSecretGivenWithDashX() {
        assertRefused("kpipe run: -X sasl.jaas.config: holds a secret, which the process list would show; put it in a "
                        + "file readable by you only and give --kafka-config FILE",
                "run", "-X", "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"kpipe\" password=\"" + SECRET + "\";");
        assertRefused("kpipe process: -X ssl.keystore.password: holds a secret, which the process list would show; put it "
                        + "in a file readable by you only and give --kafka-config FILE",
                "process", "--bootstrap-servers", "127.0.0.1:1", "-X", "ssl.keystore.password=" + SECRET);
    }

    @Test
    void shouldRefuseAPasswordInsideTheJdbcUrl() {
        assertRefused("kpipe run: --jdbc-url: holds a password, which the process list would show; put it in a file "
                        + "readable by you only and give --db-password-file FILE",
                "run", "--jdbc-url", "jdbc:postgresql://db:5432/kpipe?user=kpipe&password=" + SECRET);
        assertRefused("kpipe sink postgres: --jdbc-url: holds a password, which the process list would show; put it in a "
                        + "file readable by you only and give --password-file FILE",
                "sink", "postgres", "--bootstrap-servers", "127.0.0.1:1", "--jdbc-url",
                "jdbc:postgresql://kpipe:" + SECRET + "@db:5432/kpipe");
    }

    @Test
    void shouldRefuseHttpBeyondLoopbackWithoutTls() {
        String tlsNeeded = "--http-bind: 0.0.0.0 is not a loopback address; HTTP beyond this machine needs TLS: "
                + "add --http-tls KEYSTORE and --http-tls-password-file FILE";
        assertRefused("kpipe run: " + tlsNeeded, "run", "--http-bind", "0.0.0.0");
        assertRefused("kpipe process: " + tlsNeeded, "process", "--bootstrap-servers", "127.0.0.1:1", "--http-bind", "0.0.0.0");
        assertRefused("kpipe ingest: " + tlsNeeded, "ingest", "--bootstrap-servers", "127.0.0.1:1", "--http-bind", "0.0.0.0");
        assertRefused("kpipe sink files: " + tlsNeeded, "sink", "files", "--bootstrap-servers", "127.0.0.1:1",
                "--dir", dir.toString(), "--http-bind", "0.0.0.0");
    }

    @Test
    void shouldRefuseIngestBeyondLoopbackWithoutAToken() {
        String tokenNeeded = "--http-bind: 0.0.0.0 is not a loopback address; POST /ingest beyond this machine needs a "
                + "token: add --ingest-token-file FILE";
        assertRefused("kpipe run: " + tokenNeeded, "run", "--http-bind", "0.0.0.0", "--http-tls", keystore,
                "--http-tls-password-file", passwordFile);
        assertRefused("kpipe ingest: " + tokenNeeded, "ingest", "--bootstrap-servers", "127.0.0.1:1",
                "--http-bind", "0.0.0.0", "--http-tls", keystore, "--http-tls-password-file", passwordFile);
    }

    @Test
    void shouldRefuseHalfATlsSetting() {
        assertRefused("kpipe run: --http-tls: needs --http-tls-password-file FILE, a file whose first line is the "
                + "keystore's password", "run", "--http-tls", keystore);
        assertRefused("kpipe run: --http-tls-password-file: only with --http-tls KEYSTORE",
                "run", "--http-tls-password-file", passwordFile);
        assertRefused("kpipe run: --http-tls: no such file: " + dir.resolve("none.p12"),
                "run", "--http-tls", dir.resolve("none.p12").toString(), "--http-tls-password-file", passwordFile);
    }

    private static void assertRefused(String line, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = err.toString(StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(text.lines().toList());
        assertThat(lines).as(String.join(" ", args)).containsExactly(line);
        assertThat(code).isEqualTo(Main.USAGE);
        assertThat(out.toString(StandardCharsets.UTF_8) + text).doesNotContain(SECRET);
    }
}
