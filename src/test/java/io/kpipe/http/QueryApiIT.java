package io.kpipe.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.HttpEndpoint;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.lifecycle.ChildJvm;
import io.kpipe.model.BinaryPoint;
import io.kpipe.process.PointProcessor;
import io.kpipe.process.ProcessingStats;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import io.kpipe.topics.Topics;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processor instances with one application id whose HTTP servers listen on different addresses,
 * each advertising its own: A in this JVM on 127.0.0.2, B a real {@code kpipe process} of its own
 * JVM on 127.0.0.3 (every 127/8 address is this machine's loopback on Linux). Queries to either
 * answer for every sensor; while the answer cannot be known they get 503 with {@code Retry-After},
 * never a 404.
 */
@Tag("integration")
@Timeout(180)
@ExtendWith(SharedCluster.class)
class QueryApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HTTP_LINE = Pattern.compile("HTTP: http://127\\.0\\.0\\.3:(\\d+) .*");
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

    private record Instance(HttpService server, PointProcessor processor, String advertised) {}

    /** An instance in this JVM listening on {@code bind}, advertising what {@code kpipe process} would. */
    private Instance instance(KafkaConnection kafka, String prefix, String bind, String name) {
        HttpService server = HttpService.start(bind, 0);
        open.add(server);
        QueryApi api = QueryApi.on(server);
        String advertised = AdvertisedHost.address(AdvertisedHost.of(null, new HttpEndpoint(bind, null, null)), server.port());
        ProcessorConfig config = ProcessorConfig.builder(kafka, prefix, state.resolve(name), 1)
                .applicationServer(advertised).build();
        PointProcessor p = PointProcessor.start(config, new ProcessingStats());
        open.add(p);
        api.attach(p);
        return new Instance(server, p, advertised);
    }

    private HttpResponse<String> get(String address, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + address + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerForEverySensorFromEitherHostAndRetryInsteadOf404WhileTheOwnerMoves(LocalCluster cluster)
            throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("http-");
        Pipelines.createTopics(kafka, prefix, 6);
        Instance a = instance(kafka, prefix, "127.0.0.2", "a");
        Process child = ChildJvm.start(new ProcessBuilder(ChildJvm.command(List.of("-Xmx512m"), null, "io.kpipe.cli.Main",
                List.of("process", "--bootstrap-servers", cluster.bootstrapServers(), "--topic-prefix", prefix,
                        "--http-bind", "127.0.0.3", "--http-port", "0", "--threads", "1",
                        "--state-dir", state.resolve("b").toString())))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD), Duration.ofSeconds(10));
        open.add(() -> {
            child.destroy();
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        });
        LinkedBlockingQueue<String> childErr = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> new BufferedReader(new InputStreamReader(child.getErrorStream(),
                StandardCharsets.UTF_8)).lines().forEach(childErr::add), "b-stderr");
        reader.setDaemon(true);
        reader.start();
        String line;
        do {
            line = childErr.poll(60, TimeUnit.SECONDS);
            assertThat(line).as("kpipe process printed its HTTP line (stderr so far: %s)", childErr).isNotNull();
        } while (!line.startsWith("HTTP: "));
        Matcher m = HTTP_LINE.matcher(line);
        assertThat(m.matches()).as(line).isTrue();
        String b = "127.0.0.3:" + m.group(1);
        // The default for a specific --http-bind address: that address.
        assertThat(line).isEqualTo("HTTP: http://" + b + " (/api/sensors/{id}, /metrics); advertised to the other "
                + "instances as " + b + " (--advertised-host)");

        // Both instances settled in the group (404 only then), before any point: both own some sensors.
        await().atMost(Duration.ofSeconds(60)).until(() -> get(b, "/api/sensors/none").statusCode() == 404
                && get(a.advertised(), "/api/sensors/none").statusCode() == 404);
        long now = System.currentTimeMillis();
        long t = now - Math.floorMod(now, 60_000) + 1_000;   // one window for every point
        // Each sensor also had a window two minutes earlier; "stop-N" sensors (one in each partition) only
        // that one. The points of now close those windows in every partition (their end plus the grace is
        // 50 s before t), so the move below must bring back closed windows, also of sensors that stopped.
        long t0 = t - 120_000;
        List<String> stopped = oneSensorPerPartition("stop-", 6);
        assertThat(stopped.stream().map(QueryApiIT::partition).distinct().count()).isEqualTo(6);
        assertThat(java.util.stream.IntStream.range(0, 20).mapToObj(s -> partition("s-" + s)).distinct().count())
                .as("points of now in every partition").isEqualTo(6);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all")), new ByteArraySerializer(), new ByteArraySerializer())) {
            List<String> earlier = new ArrayList<>(stopped);
            for (int s = 0; s < 20; s++) {
                earlier.add("s-" + s);
            }
            for (String sensor : earlier) {
                for (int i = 0; i < 3; i++) {
                    p.send(new ProducerRecord<>(Topics.withPrefix(prefix).points().name(), null, t0 + i,
                            sensor.getBytes(StandardCharsets.UTF_8), BinaryPoint.encode(t0 + i, 100 + i)));
                }
            }
            p.flush();
            for (int s = 0; s < 20; s++) {
                for (int i = 0; i < 5; i++) {
                    p.send(new ProducerRecord<>(Topics.withPrefix(prefix).points().name(), null, t + i,
                            ("s-" + s).getBytes(StandardCharsets.UTF_8), BinaryPoint.encode(t + i, s + i)));
                }
            }
        }
        Map<String, JsonNode> windows = new HashMap<>();
        Map<String, String> owners = new HashMap<>();
        for (int s = 0; s < 20; s++) {
            String path = "/api/sensors/s-" + s;
            JsonNode[] answers = new JsonNode[2];
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                answers[0] = JSON.readTree(get(a.advertised(), path).body());
                answers[1] = JSON.readTree(get(b, path).body());
                return answers[0].path("windows").path(1).path("count").asLong() == 5
                        && answers[1].path("windows").path(1).path("count").asLong() == 5;
            });
            JsonNode viaA = answers[0];
            assertThat(viaA).as("the same answer from either host").isEqualTo(answers[1]);
            assertThat(viaA.get("sensor").asText()).isEqualTo("s-" + s);
            assertThat(viaA.get("windows")).hasSize(2);
            assertThat(viaA.get("windows").get(0).get("sum").asDouble()).isEqualTo(303);
            assertThat(viaA.get("windows").get(0).get("window_start").asLong()).isEqualTo(t0 - 1_000);
            assertThat(viaA.get("windows").get(1).get("sum").asDouble()).isEqualTo(5 * s + 10);
            assertThat(viaA.get("windows").get(1).get("window_start").asLong()).isEqualTo(t - 1_000);
            windows.put("s-" + s, viaA.get("windows"));
            owners.put("s-" + s, viaA.get("served_by").asText());
        }
        for (String sensor : stopped) {
            JsonNode answer = JSON.readTree(get(b, "/api/sensors/" + sensor).body());
            assertThat(answer.get("windows")).as(sensor).hasSize(1);
            assertThat(answer.get("windows").get(0).get("count").asLong()).isEqualTo(3);
            assertThat(answer.get("windows").get(0).get("window_start").asLong()).isEqualTo(t0 - 1_000);
            windows.put(sensor, answer.get("windows"));
            owners.put(sensor, answer.get("served_by").asText());
        }
        assertThat(Set.copyOf(owners.values())).as("each instance owns some sensors, and is named by the address it advertises")
                .containsExactlyInAnyOrder(a.advertised(), b);

        HttpResponse<String> ranged = get(b, "/api/sensors/s-3/windows?from=" + (t - 1_000) + "&to="
                + java.time.Instant.ofEpochMilli(t + 59_000));
        assertThat(ranged.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ranged.body()).get("windows")).hasSize(1);
        assertThat(JSON.readTree(get(b, "/api/sensors/s-3/windows?from=" + (t + 60_000)).body()).get("windows")).isEmpty();
        for (String via : List.of(a.advertised(), b)) {
            HttpResponse<String> unknown = get(via, "/api/sensors/nope");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.headers().firstValue("Retry-After")).isEmpty();
            assertThat(JSON.readTree(unknown.body()).get("error").asText()).isEqualTo("unknown sensor 'nope': no windows for it");
        }
        HttpResponse<String> bad = get(a.advertised(), "/api/sensors/s-1/windows?from=yesterday");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).get("error").asText())
                .isEqualTo("'yesterday' is not a time: use epoch milliseconds or ISO-8601 (e.g. 2026-11-25T13:01:00Z)");
        assertThat(get(a.advertised(), "/api/sensors/s-1/windows?from=10&to=5").statusCode()).isEqualTo(400);
        assertThat(get(a.advertised(), "/api/sensors/s-1/other").statusCode()).isEqualTo(404);

        // A's HTTP server goes; its processor stays in the group, so B's metadata still names A as the owner.
        String ofA = owners.entrySet().stream().filter(e -> e.getValue().equals(a.advertised())).findFirst().orElseThrow().getKey();
        a.server().close();
        open.remove(a.server());
        HttpResponse<String> unreachable = get(b, "/api/sensors/" + ofA);
        assertThat(unreachable.statusCode()).isEqualTo(503);
        assertThat(unreachable.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(JSON.readTree(unreachable.body()).get("error").asText())
                .startsWith("the owner of sensor '" + ofA + "', " + a.advertised() + ", did not answer (")
                .endsWith("); if it has stopped, the group moves its partitions within the session timeout; retry");

        // A leaves the group: B takes its partitions over, restores their windows, open and closed, and
        // answers for them, also for the sensors of A that stopped sending two minutes ago.
        assertThat(stopped).as("A owns sensors that stopped").anyMatch(s -> owners.get(s).equals(a.advertised()));
        // Until then every answer is a 503 with Retry-After (rebalancing, or A not answering), never a 404.
        a.processor().streams().close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        Set<String> seen = new LinkedHashSet<>();
        for (String sensor : windows.keySet()) {
            String path = "/api/sensors/" + sensor;
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                HttpResponse<String> r = get(b, path);
                if (r.statusCode() != 200) {
                    assertThat(r.statusCode()).as("%s while A's partitions move: %s", sensor, r.body()).isEqualTo(503);
                    assertThat(r.headers().firstValue("Retry-After")).as(r.body()).isPresent();
                }
                seen.add(r.statusCode() + (r.statusCode() == 503 ? " Retry-After " + r.headers().firstValue("Retry-After").get() : ""));
                return r.statusCode() == 200;
            });
            JsonNode after = JSON.readTree(get(b, path).body());
            assertThat(after.get("served_by").asText()).isEqualTo(b);
            assertThat(after.get("windows")).as(sensor).isEqualTo(windows.get(sensor));
        }
        assertThat(seen).as("answers while A's partitions moved").isSubsetOf("200", "503 Retry-After 1", "503 Retry-After 5")
                .contains("200");
        assertThat(a.processor().state()).isEqualTo(KafkaStreams.State.NOT_RUNNING);
    }

    /** The partition of {@code points} that a producer's default partitioner gives the key {@code sensor}. */
    private static int partition(String sensor) {
        return org.apache.kafka.common.utils.Utils.toPositive(
                org.apache.kafka.common.utils.Utils.murmur2(sensor.getBytes(StandardCharsets.UTF_8))) % 6;
    }

    /** {@code prefix}0, 1, ...: the first name found for each of the {@code partitions}, in partition order. */
    private static List<String> oneSensorPerPartition(String prefix, int partitions) {
        String[] found = new String[partitions];
        for (int n = 0, left = partitions; left > 0; n++) {
            int p = partition(prefix + n);
            if (found[p] == null) {
                found[p] = prefix + n;
                left--;
            }
        }
        return List.of(found);
    }

    @Test
    void shouldAnswer503WithRetryAfterUntilTheInstanceHasJoinedItsGroup(LocalCluster cluster) throws Exception {
        HttpService server = HttpService.start("127.0.0.2", 0);
        open.add(server);
        QueryApi api = QueryApi.on(server);
        String self = AdvertisedHost.address("127.0.0.2", server.port());

        HttpResponse<String> starting = get(self, "/api/sensors/s-1");
        assertThat(starting.statusCode()).isEqualTo(503);
        assertThat(starting.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(JSON.readTree(starting.body()).get("error").asText()).isEqualTo("the processor of this instance is starting; retry");

        // A real Kafka Streams instance that has not joined its group (CREATED), as kpipe process attaches it.
        PointProcessor p = PointProcessor.create(ProcessorConfig.builder(KafkaConnection.of(cluster.bootstrapServers()),
                SharedCluster.unique("joining-"), state.resolve("j"), 1).applicationServer(self).build(), new ProcessingStats());
        open.add(p);
        api.attach(p);
        for (String path : List.of("/api/sensors/s-1", "/api/sensors/s-1/windows?from=0")) {
            HttpResponse<String> r = get(self, path);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("starting (Kafka Streams state CREATED): "
                    + "this instance has not joined its group yet; retry");
        }
        assertThat(p.state()).isEqualTo(KafkaStreams.State.CREATED);
    }
}
