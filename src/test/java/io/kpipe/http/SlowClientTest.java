package io.kpipe.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kpipe.config.KafkaConnection;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Slow clients (slowloris): connections that never finish their request hold a worker each until
 * the server's request timeout closes them; a normal client queued behind them is then answered.
 */
@Timeout(120)
class SlowClientTest {
    static {
        // Whichever HTTP test runs first in this JVM fixes the JDK server's timeouts for all of them.
        HttpTesting.shortRequestTimeout();
    }

    private static final int THREADS = 2;

    /** Ways of never finishing a request. */
    enum Stall {
        HEADERS("GET /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "),
        BODY("POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\n"
                + "Content-Length: 1000\r\n\r\n{\"sensor\":\"s-1\",");

        final String prefix;

        Stall(String prefix) {
            this.prefix = prefix;
        }
    }

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @ParameterizedTest
    @EnumSource(Stall.class)
    void shouldCloseStalledConnectionsAndThenAnswerAClientQueuedBehindThem(Stall stall) throws Exception {
        HttpService http = HttpService.start("127.0.0.1", 0, new RequestPool.Capacity(THREADS, 4));
        open.add(http);
        open.add(IngestApi.on(http, KafkaConnection.of("127.0.0.1:" + HttpTesting.deadPort()), "points", null,
                IngestApi.Limits.DEFAULT, null));
        int port = Integer.parseInt(http.address().substring(http.address().lastIndexOf(':') + 1));
        List<Socket> stalled = new ArrayList<>();
        for (int i = 0; i < THREADS + 1; i++) {
            Socket s = HttpTesting.stall(port, stall.prefix);
            open.add(s);
            stalled.add(s);
        }
        // Both workers hold a stalled request and one more waits: the next request queues behind it.
        await().atMost(Duration.ofSeconds(30)).until(() -> http.queued() == 1);

        HttpResponse<String> fresh = HttpTesting.client().send(
                HttpRequest.newBuilder(URI.create(http.url() + "/nothing-here")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(fresh.statusCode()).as(fresh.body()).isEqualTo(404);
        assertThat(fresh.body()).isEqualTo("{\"error\":\"no such resource: /nothing-here\"}");
        for (Socket s : stalled) {
            await().atMost(HttpTesting.CLOSE_WAIT).until(() -> HttpTesting.closedByServer(s));
        }
    }
}
