package io.kpipe.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.model.BinaryPoint;
import io.kpipe.process.PointProcessor;
import io.kpipe.process.ProcessingStats;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import io.kpipe.topics.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Two processor instances with one application id, each with its HTTP API; queries to either answer for all. */
@Tag("integration")
@Timeout(180)
@ExtendWith(SharedCluster.class)
class QueryApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> open = new ArrayList<>();

    @TempDir
    Path state;

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private HttpService instance(KafkaConnection kafka, String prefix, String name) throws InterruptedException {
        HttpService server = HttpService.start("127.0.0.1", 0);
        open.add(server);
        QueryApi api = QueryApi.on(server);
        ProcessorConfig config = ProcessorConfig.builder(kafka, prefix, state.resolve(name), 1)
                .applicationServer(server.address()).build();
        PointProcessor p = PointProcessor.start(config, new ProcessingStats());
        open.add(p);
        api.attach(p);
        return server;
    }

    private HttpResponse<String> get(HttpService api, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + api.address() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerForEverySensorFromEitherInstanceForwardingToTheOwner(LocalCluster cluster) throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("http-");
        Pipelines.createTopics(kafka, prefix, 6);
        HttpService a = instance(kafka, prefix, "a");
        HttpService b = instance(kafka, prefix, "b");
        long now = System.currentTimeMillis();
        long t = now - Math.floorMod(now, 60_000) + 1_000;   // one window for every point
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all")), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int s = 0; s < 20; s++) {
                for (int i = 0; i < 5; i++) {
                    p.send(new ProducerRecord<>(Topics.withPrefix(prefix).points().name(), null, t + i,
                            ("s-" + s).getBytes(StandardCharsets.UTF_8), BinaryPoint.encode(t + i, s + i)));
                }
            }
        }
        Set<String> servedBy = new HashSet<>();
        for (int s = 0; s < 20; s++) {
            String path = "/api/sensors/s-" + s;
            await().atMost(Duration.ofSeconds(90)).until(() -> get(a, path).statusCode() == 200
                    && JSON.readTree(get(a, path).body()).get("windows").get(0).get("count").asLong() == 5);
            JsonNode viaA = JSON.readTree(get(a, path).body());
            JsonNode viaB = JSON.readTree(get(b, path).body());
            assertThat(viaA).isEqualTo(viaB);
            assertThat(viaA.get("windows")).hasSize(1);
            assertThat(viaA.get("windows").get(0).get("sum").asDouble()).isEqualTo(5 * s + 10);
            servedBy.add(viaA.get("served_by").asText());
        }
        assertThat(servedBy).as("both instances own some sensors").containsExactlyInAnyOrder(a.address(), b.address());

        HttpResponse<String> ranged = get(b, "/api/sensors/s-3/windows?from=" + (t - 1_000) + "&to=" + java.time.Instant.ofEpochMilli(t + 59_000));
        assertThat(ranged.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ranged.body()).get("windows")).hasSize(1);
        assertThat(JSON.readTree(get(b, "/api/sensors/s-3/windows?from=" + (t + 60_000)).body()).get("windows")).isEmpty();

        HttpResponse<String> unknown = get(a, "/api/sensors/nope");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).get("error").asText()).isEqualTo("unknown sensor 'nope': no windows for it");
        HttpResponse<String> bad = get(a, "/api/sensors/s-1/windows?from=yesterday");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).get("error").asText())
                .isEqualTo("'yesterday' is not a time: use epoch milliseconds or ISO-8601 (e.g. 2026-11-25T13:01:00Z)");
        HttpResponse<String> reversed = get(a, "/api/sensors/s-1/windows?from=10&to=5");
        assertThat(reversed.statusCode()).isEqualTo(400);
        assertThat(get(a, "/api/sensors/s-1/other").statusCode()).isEqualTo(404);
    }
}
