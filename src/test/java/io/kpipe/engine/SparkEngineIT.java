package io.kpipe.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.model.BinaryPoint;
import io.kpipe.model.DeadLetter;
import io.kpipe.model.WindowResult;
import io.kpipe.model.WindowResultSerde;
import io.kpipe.process.PointProcessor;
import io.kpipe.process.ProcessingStats;
import io.kpipe.run.Drain;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark engine on real brokers: {@code kpipe run --engine spark} balances the books exactly, and
 * the same golden input through Kafka Streams and Spark gives the same windows and dead letters (and
 * through the plain DSL engine, {@code --engine dsl}, the same as Kafka Streams, exactly).
 * Spark starts in 10-30 s, so each test starts it once and checks much on it.
 */
@Tag("integration")
@Timeout(240)
@ExtendWith(SharedCluster.class)
class SparkEngineIT {
    /** Sums, means and deviations may be added up in another order by Spark: relative difference allowed. */
    static final double TOLERANCE = 1e-9;

    @TempDir
    Path dir;

    @Test
    void shouldReconcileARunOnSparkExactlyWithInvalidAndLatePointsDeadLettered() throws Exception {
        Path json = dir.resolve("summary.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int code = io.kpipe.cli.Main.execute(new String[] {"run", "--engine", "spark", "--duration", "10s", "--rate",
                "5k", "--sensors", "500", "--invalid-ratio", "0.01", "--late-ratio", "0.01", "--summary-json",
                json.toString(), "--http-port", "-1"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(text).isZero();
        assertThat(text).contains("starting the Spark processor")
                .contains("lost 0, duplicated 0 (windows checked one by one: 0 wrong): OK");
        JsonNode s = new ObjectMapper().readTree(json.toFile());
        assertThat(s.get("produced_valid").asLong() + s.get("produced_invalid").asLong()).isEqualTo(s.get("produced").asLong());
        assertThat(s.get("aggregated").asLong() + s.get("late").asLong()).isEqualTo(s.get("produced_valid").asLong());
        assertThat(s.get("dlq").asLong()).isEqualTo(s.get("produced_invalid").asLong()).isPositive();
        assertThat(s.get("late").asLong()).isPositive();
        assertThat(s.get("lost").asLong()).isZero();
        assertThat(s.get("duplicated").asLong()).isZero();
        assertThat(s.get("windows_wrong").asLong()).isZero();
        assertThat(s.get("drained").asBoolean()).isTrue();
        assertThat(s.get("guarantee").asText()).isEqualTo("spark, at_least_once");
        // The PostgreSQL sink reads Spark's output as it reads Kafka Streams': every window, its exact count.
        assertThat(s.get("sink_rows").asLong()).isEqualTo(s.get("windows").asLong()).isPositive();
        assertThat(s.get("sink_count_sum").asLong()).isEqualTo(s.get("aggregated").asLong());
    }

    /**
     * SIGKILL mid-run, then a restart from the checkpoint: the batch in flight is written again
     * (at-least-once), and the windows are still exact, because the rerun writes the same values
     * under the same keys. No invalid or late points here: a dead letter written twice would be
     * counted twice (docs/spark.md).
     */
    @Test
    void shouldKeepEveryWindowExactWhenTheSparkProcessorIsKilledAndRestartedFromItsCheckpoint() throws Exception {
        Path json = dir.resolve("summary.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int code = io.kpipe.cli.Main.execute(new String[] {"run", "--engine", "spark", "--duration", "12s", "--rate",
                "5k", "--sensors", "500", "--invalid-ratio", "0", "--chaos", "kill-processor@4s,restart-processor@6s",
                "--no-sink", "--summary-json", json.toString(), "--http-port", "-1"},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(text).isZero();
        JsonNode s = new ObjectMapper().readTree(json.toFile());
        assertThat(s.get("chaos")).as(text).hasSize(2);
        assertThat(s.get("aggregated").asLong()).isEqualTo(s.get("produced_valid").asLong()).isPositive();
        assertThat(s.get("lost").asLong()).isZero();
        assertThat(s.get("duplicated").asLong()).isZero();
        assertThat(s.get("windows_wrong").asLong()).isZero();
        assertThat(s.get("drained").asBoolean()).isTrue();
    }

    @Test
    void shouldGiveTheSameWindowsAndDeadLettersAsKafkaStreamsForTheSameInput(LocalCluster cluster) throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String streamsPrefix = SharedCluster.unique("golden-streams-");
        String sparkPrefix = SharedCluster.unique("golden-spark-");
        String dslPrefix = SharedCluster.unique("golden-dsl-");
        long now = System.currentTimeMillis();
        List<ProducerRecord<byte[], byte[]>> first = GoldenInput.firstPhase(now);
        List<ProducerRecord<byte[], byte[]>> second = GoldenInput.secondPhase(now);
        for (String prefix : List.of(streamsPrefix, sparkPrefix, dslPrefix)) {
            Pipelines.createTopics(kafka, prefix, 3);
            send(kafka, prefix, GoldenInput.devices());
            send(kafka, prefix, first);
        }
        ProcessorConfig streams = config(kafka, streamsPrefix);
        ProcessorConfig spark = config(kafka, sparkPrefix);
        // The plain DSL engine (docs/engines.md) on the same cluster: the same books end to end.
        ProcessorConfig dsl = config(kafka, dslPrefix).toBuilder().engine(io.kpipe.config.Engine.DSL).build();
        StringBuilderWriter notes = new StringBuilderWriter();
        try (SparkProcessor sp = SparkProcessor.start(spark, dir.resolve("spark"), new ProcessingStats(), notes.writer());
             PointProcessor pp = PointProcessor.start(streams, new ProcessingStats());
             PointProcessor dp = PointProcessor.start(dsl, new ProcessingStats());
             Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
            assertThat(pp.awaitRunning(Duration.ofSeconds(60))).isTrue();
            assertThat(dp.awaitRunning(Duration.ofSeconds(60))).isTrue();
            assertThat(sp.awaitRunning(Duration.ofSeconds(120))).as(notes + " " + sp.death()).isTrue();
            drain(admin, streams, spark, sp);
            assertThat(new Drain(admin, dsl.applicationId(), dslPrefix + "points").await(Duration.ofSeconds(60))).isTrue();
            // Now the windows of the first phase are behind stream time (and Spark's watermark): late.
            send(kafka, streamsPrefix, second);
            send(kafka, sparkPrefix, second);
            send(kafka, dslPrefix, second);
            drain(admin, streams, spark, sp);
            assertThat(new Drain(admin, dsl.applicationId(), dslPrefix + "points").await(Duration.ofSeconds(60))).isTrue();
        }

        Map<String, WindowResult> streamsWindows = finalWindows(kafka, streamsPrefix);
        Map<String, WindowResult> sparkWindows = finalWindows(kafka, sparkPrefix);
        assertThat(sparkWindows.keySet()).isEqualTo(streamsWindows.keySet()).hasSizeGreaterThanOrEqualTo(3);
        for (Map.Entry<String, WindowResult> e : streamsWindows.entrySet()) {
            WindowResult a = e.getValue();
            WindowResult b = sparkWindows.get(e.getKey());
            assertThat(List.of(b.sensor(), b.site(), String.valueOf(b.unit()), b.windowStart(), b.windowEnd(), b.count(),
                    b.min(), b.max(), b.firstTs(), b.lastTs())).as(e.getKey())
                    .isEqualTo(List.of(a.sensor(), a.site(), String.valueOf(a.unit()), a.windowStart(), a.windowEnd(),
                            a.count(), a.min(), a.max(), a.firstTs(), a.lastTs()));
            assertThat(b.sum()).as(e.getKey()).isCloseTo(a.sum(), within(Math.abs(a.sum()) * TOLERANCE));
            assertThat(b.mean()).as(e.getKey()).isCloseTo(a.mean(), within(Math.abs(a.mean()) * TOLERANCE));
            assertThat(b.stddev()).as(e.getKey()).isCloseTo(a.stddev(), within(Math.abs(a.stddev()) * TOLERANCE + 1e-12));
        }
        assertThat(sparkWindows.get("s-1@" + java.time.Instant.ofEpochMilli(GoldenInput.windowStart(now)))
                .site()).isEqualTo("plant-a");
        assertThat(sparkWindows.values().stream().mapToLong(WindowResult::count).sum())
                .isEqualTo(GoldenInput.VALID_FIRST_PHASE);

        Map<String, WindowResult> dslWindows = finalWindows(kafka, dslPrefix);
        assertThat(dslWindows).isEqualTo(streamsWindows);   // same order of additions: equal, not only close
        assertThat(deadLetters(kafka, dslPrefix)).containsExactlyInAnyOrderElementsOf(deadLetters(kafka, streamsPrefix));

        List<String> streamsLetters = deadLetters(kafka, streamsPrefix);
        List<String> sparkLetters = deadLetters(kafka, sparkPrefix);
        assertThat(sparkLetters).containsExactlyInAnyOrderElementsOf(streamsLetters)
                .hasSize(GoldenInput.INVALID + GoldenInput.FUTURE + GoldenInput.LATE);
        assertThat(sparkLetters).filteredOn(l -> l.startsWith("late ")).hasSize(GoldenInput.LATE);
        assertThat(sparkLetters).filteredOn(l -> l.startsWith("future ")).hasSize(GoldenInput.FUTURE);
    }

    private static ProcessorConfig config(KafkaConnection kafka, String prefix) {
        return ProcessorConfig.builder(kafka, prefix, Path.of(System.getProperty("java.io.tmpdir"), prefix + "state"), 1)
                .applicationId(prefix + "app")
                .windowSize(GoldenInput.WINDOW)
                .threads(2)
                .build();
    }

    private static void drain(Admin admin, ProcessorConfig streams, ProcessorConfig spark, SparkProcessor sp)
            throws InterruptedException {
        assertThat(new Drain(admin, streams.applicationId(), streams.topicPrefix() + "points").await(Duration.ofSeconds(60)))
                .isTrue();
        assertThat(new Drain(admin, spark.applicationId(), spark.topicPrefix() + "points").await(Duration.ofSeconds(60)))
                .as(String.valueOf(sp.death())).isTrue();
    }

    private static void send(KafkaConnection kafka, String prefix, List<ProducerRecord<byte[], byte[]>> records) {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.clientProperties(Map.of("acks", "all")),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                p.send(new ProducerRecord<>(prefix + r.topic(), r.partition(), r.timestamp(), r.key(), r.value(),
                        r.headers()));
            }
            p.flush();
        }
    }

    /** The last record per key of points-agg-1m: each window's final value. */
    private static Map<String, WindowResult> finalWindows(KafkaConnection kafka, String prefix) {
        Map<String, WindowResult> out = new TreeMap<>();
        try (WindowResultSerde serde = new WindowResultSerde()) {
            for (ConsumerRecord<byte[], byte[]> r : Pipelines.readAll(kafka, prefix + "points-agg-1m")) {
                out.put(new String(r.key(), StandardCharsets.UTF_8), serde.deserialize(null, r.value()));
            }
        }
        return out;
    }

    /**
     * Each dead letter as one line: type, key, value, source position and reason (a late point's
     * reason up to the stream time, which Kafka Streams keeps per partition and Spark per query).
     */
    private static List<String> deadLetters(KafkaConnection kafka, String prefix) {
        List<String> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : Pipelines.readAll(kafka, prefix + "points-dlq")) {
            String reason = DeadLetter.text(r.headers(), DeadLetter.ERROR);
            String type = DeadLetter.text(r.headers(), DeadLetter.ERROR_TYPE);
            if ("late".equals(type)) {
                reason = reason.substring(0, reason.indexOf(" closed at stream time"));
            }
            out.add(type + " " + (r.key() == null ? "null" : java.util.HexFormat.of().formatHex(r.key())) + " "
                    + java.util.HexFormat.of().formatHex(r.value()) + " p" + DeadLetter.text(r.headers(),
                    DeadLetter.SOURCE_PARTITION) + "@" + DeadLetter.text(r.headers(), DeadLetter.SOURCE_OFFSET) + " "
                    + reason);
        }
        return out;
    }

    /** A PrintWriter whose text the assertion messages show. */
    private static final class StringBuilderWriter {
        private final java.io.StringWriter text = new java.io.StringWriter();

        PrintWriter writer() {
            return new PrintWriter(text, true);
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }

    /** Used by the unit test too: nothing here needs a broker. */
    static final class GoldenInput {
        static final Duration WINDOW = Duration.ofSeconds(2);
        static final int VALID_FIRST_PHASE = 3 * 3 * 5;
        static final int INVALID = 7;
        static final int FUTURE = 1;
        static final int LATE = 3;

        private GoldenInput() {}

        static long windowStart(long now) {
            long t = now - 4_000;
            return t - Math.floorMod(t, WINDOW.toMillis());
        }

        /** Devices: s-1 known, the others not (site unknown). */
        static List<ProducerRecord<byte[], byte[]>> devices() {
            return List.of(new ProducerRecord<>("devices", null, null, utf8("s-1"),
                    utf8("{\"sensor\":\"s-1\",\"site\":\"plant-a\",\"type\":\"temp\",\"unit\":\"C\"}")));
        }

        /**
         * Valid points of 3 sensors in all 3 formats, their event times in the last 5 s (so no window
         * can close while they come in, whatever the batches), and invalid points of every kind.
         */
        static List<ProducerRecord<byte[], byte[]>> firstPhase(long now) {
            List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long t = now - 4_500 + i * 1_000;
                for (int s = 1; s <= 3; s++) {
                    String sensor = "s-" + s;
                    double v = s * 10.25 + i * 1.5 - (i % 2) * 7.125;
                    out.add(point(sensor, BinaryPoint.encode(t, v), now));
                    out.add(point(sensor, utf8("{\"sensor\":\"" + sensor + "\",\"ts\":" + (t + 1) + ",\"value\":" + (v + 0.5)
                            + "}"), now));
                    out.add(point(sensor, utf8(sensor + "," + (t + 2) + "," + (v - 0.25)), now));
                }
            }
            out.add(point("s-1", utf8("{\"sensor\":\"s-1\",\"ts\":" + now + "}"), now));            // value missing
            out.add(point("s-2", utf8("s-9," + now + ",1.5"), now));                                 // sensor not the key
            out.add(point("s-3", utf8("hello"), now));                                               // no format
            out.add(point("s-1", BinaryPoint.encode(now, Double.NaN), now));                         // NaN
            out.add(point("s-2", new byte[] {1, 2, 3}, now));                                        // binary too short
            out.add(point("s-3", utf8("{\"sensor\":\"s-3\",\"value\":1,}"), now));                  // Jackson's own message
            out.add(point("s-1", utf8("s-1,\"12,3.5"), now));                                        // unterminated quote
            out.add(point("s-2", BinaryPoint.encode(now + 120_000, 1.0), now));                      // future
            return out;
        }

        /** After the first phase is processed: points for a window long closed (late), in every format. */
        static List<ProducerRecord<byte[], byte[]>> secondPhase(long now) {
            long old = now - 600_000;
            return List.of(point("s-1", BinaryPoint.encode(old, 1.0), now),
                    point("s-2", utf8("{\"sensor\":\"s-2\",\"ts\":" + old + ",\"value\":2}"), now),
                    point("s-3", utf8("s-3," + old + ",3"), now));
        }

        private static ProducerRecord<byte[], byte[]> point(String key, byte[] value, long timestamp) {
            return new ProducerRecord<>("points", null, timestamp, utf8(key), value);
        }

        private static byte[] utf8(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
    }
}
