package io.kpipe.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kpipe.config.KafkaConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka down (a bootstrap address where nothing listens, a real unreachable cluster): an ingest
 * request fails fast with 503 and Retry-After instead of blocking once per line.
 */
@Timeout(90)
class IngestKafkaDownTest {
    static {
        // Whichever HTTP test runs first in this JVM fixes the JDK server's timeouts for all of them.
        HttpTesting.shortRequestTimeout();
    }

    private final HttpClient client = HttpTesting.client();
    private HttpService http;
    private IngestApi ingest;

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
    void shouldAnswer503WithRetryAfterAndTheReasonWhenKafkaDoesNotTakeThePoints() throws Exception {
        http = HttpService.start("127.0.0.1", 0);
        // The producer's max.block.ms passed through, as a user's -X would: the first send fails after 0.2 s
        // instead of IngestApi's 5 s.
        ingest = IngestApi.on(http, new KafkaConnection("127.0.0.1:" + HttpTesting.deadPort(), Map.of("max.block.ms", "200")),
                "points", null, IngestApi.Limits.DEFAULT, null);
        // Many lines: blocking once per line (max.block.ms each) would outlast the test's timeout.
        String body = "{\"sensor\":\"s-1\",\"ts\":1764000000000,\"value\":1.5}\n".repeat(500);

        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(http.url() + "/ingest"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> next = client.send(HttpRequest.newBuilder(URI.create(http.url() + "/ingest")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue(String.valueOf(IngestApi.KAFKA_RETRY_AFTER_SECONDS));
        JsonNode j = HttpService.JSON.readTree(r.body());
        assertThat(j.get("error").asText()).startsWith("Kafka did not take every point within 10 s (")
                .endsWith("); retry the request: points of this request may already be in Kafka (at-least-once)");
        assertThat(j.get("acknowledged").asLong()).isZero();
        assertThat(ingest.accepted()).isZero();
        assertThat(next.statusCode()).isEqualTo(405);
    }
}
