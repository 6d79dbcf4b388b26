package io.kpipe.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kpipe.config.HttpEndpoint;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.UsageException;
import io.kpipe.testing.Keystores;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --http-bind} beyond loopback with {@code --http-tls}: the server speaks HTTPS with the key
 * of a keystore made by {@code keytool}, to a client that trusts its certificate and to no other;
 * ingest still wants its token. (The same with real Kafka behind it: {@code SecretsIT}.)
 */
@Timeout(90)
class HttpTlsTest {
    static {
        HttpTesting.shortRequestTimeout();
    }

    @TempDir
    static Path dir;

    private static Keystores keys;
    private HttpService http;
    private IngestApi ingest;

    @BeforeAll
    static void keystore() throws Exception {
        keys = Keystores.make(dir);
    }

    @AfterEach
    void stop() {
        if (ingest != null) {
            ingest.close();
        }
        if (http != null) {
            http.close();
        }
    }

    @Test
    void shouldServeHttpsOnEveryAddressToAClientThatTrustsTheCertificate() throws Exception {
        http = HttpService.start(new HttpEndpoint("0.0.0.0", keys.keystore(), Keystores.PASSWORD), 0);
        http.route("/hello", x -> {
            try (x) {
                HttpService.sendJson(x, 200, Map.of("hello", "tls"));
            }
        });
        ingest = IngestApi.on(http, new KafkaConnection("127.0.0.1:" + HttpTesting.deadPort(), Map.of("max.block.ms", "200")),
                "points", "t0ken", IngestApi.Limits.DEFAULT, null);
        String port = http.address().substring(http.address().lastIndexOf(':') + 1);
        URI hello = URI.create("https://127.0.0.1:" + port + "/hello");
        HttpClient trusting = HttpClient.newBuilder().sslContext(keys.trustingClient()).build();

        HttpResponse<String> r = trusting.send(HttpRequest.newBuilder(hello).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> noToken = trusting.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/ingest"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString("{\"sensor\":\"s-1\",\"value\":1.5}\n")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(http.url()).isEqualTo("https://0.0.0.0:" + port);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"hello\":\"tls\"}");
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(ingest.accepted()).isZero();
        // A client that does not trust the certificate (the JDK's default trust) gets no answer.
        HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        assertThatThrownBy(() -> untrusting.send(HttpRequest.newBuilder(hello).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(SSLHandshakeException.class);
        // Nor does plain HTTP.
        assertThatThrownBy(() -> untrusting.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void shouldRefuseAKeystoreItsPasswordDoesNotOpenInOneLine() throws Exception {
        assertThatThrownBy(() -> HttpService.start(new HttpEndpoint("0.0.0.0", keys.keystore(), "wrong"), 0))
                .isInstanceOf(UsageException.class)
                .hasMessage("--http-tls-password-file: cannot open the keystore " + keys.keystore()
                        + " (keystore password was incorrect)");
        Path notAKeystore = Files.writeString(dir.resolve("not.p12"), "hello");
        assertThatThrownBy(() -> HttpService.start(new HttpEndpoint("0.0.0.0", notAKeystore, "x"), 0))
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--http-tls: cannot open the keystore " + notAKeystore + " (");
    }
}
