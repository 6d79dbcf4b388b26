package io.kpipe.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A full request queue is answered at once with 503 and Retry-After; /metrics is still served. */
@Timeout(60)
class QueueFullTest {
    static {
        // Whichever HTTP test runs first in this JVM fixes the JDK server's timeouts for all of them.
        HttpTesting.shortRequestTimeout();
    }

    private final CountDownLatch entered = new CountDownLatch(2);
    private final CountDownLatch release = new CountDownLatch(1);
    private final HttpClient client = HttpTesting.client();
    private HttpService http;

    @AfterEach
    void stop() {
        release.countDown();
        if (http != null) {
            http.close();
        }
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create(http.url() + path)).GET().build();
    }

    @Test
    void shouldAnswer503WithRetryAfterWhenTheQueueIsFullAndStillServeMetrics() throws Exception {
        http = HttpService.start("127.0.0.1", 0, new RequestPool.Capacity(2, 1));
        http.route("/hold", x -> {
            try (x) {
                entered.countDown();
                boolean released = release.await(50, TimeUnit.SECONDS);
                HttpService.sendJson(x, 200, Map.of("released", released));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        http.route("/metrics", x -> {
            try (x) {
                HttpService.send(x, 200, "text/plain", "up 1\n".getBytes(StandardCharsets.UTF_8));
            }
        });
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        held.add(client.sendAsync(get("/hold"), HttpResponse.BodyHandlers.ofString()));
        held.add(client.sendAsync(get("/hold"), HttpResponse.BodyHandlers.ofString()));
        assertThat(entered.await(30, TimeUnit.SECONDS)).as("both workers hold a request").isTrue();
        held.add(client.sendAsync(get("/hold"), HttpResponse.BodyHandlers.ofString()));
        await().atMost(Duration.ofSeconds(30)).until(() -> http.queued() == 1);

        HttpResponse<String> busy = client.send(get("/hold"), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> metrics = client.send(get("/metrics"), HttpResponse.BodyHandlers.ofString());

        assertThat(busy.statusCode()).isEqualTo(503);
        assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(busy.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(busy.body()).isEqualTo("{\"error\":\"server busy: all 2 workers and 1 queue places are taken; "
                + "retry after 1 s\"}");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).isEqualTo("up 1\n");
        release.countDown();
        for (CompletableFuture<HttpResponse<String>> f : held) {
            HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"released\":true}");
        }
    }
}
