package io.kpipe.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.config.ProcessorConfig.Emit;
import io.kpipe.model.BinaryPoint;
import io.kpipe.model.WindowResult;
import io.kpipe.model.WindowResultSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.BytesDeserializer;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Closed windows stay in the store's changelog for as long as the query API keeps them (10 window
 * lengths with few sensors), so that an instance that takes a partition over answers for them too,
 * also for a sensor that has stopped sending; then each gets its tombstone.
 */
class ClosedWindowsKeptTest {
    /** A minute boundary: 2025-11-24T16:00:00Z. */
    private static final long T0 = 1_764_000_000_000L;
    private static final long MINUTE = 60_000;
    private static final String CHANGELOG = "kpipe-processor-agg-store-changelog";

    @TempDir
    Path stateDir;

    /** One processor's input and its changelog, folded as compaction would. */
    private static final class Run implements AutoCloseable {
        final LiveWindows live = new LiveWindows();
        final TopologyTestDriver driver;
        final TestInputTopic<Bytes, byte[]> points;
        final TestOutputTopic<String, WindowResult> aggregates;
        final TestOutputTopic<Bytes, byte[]> log;
        final Map<Bytes, byte[]> changelog = new LinkedHashMap<>();
        final List<Bytes> tombstones = new ArrayList<>();

        /** A processor that serves queries (it has an application.server). */
        Run(Emit emit, Path state) {
            this(emit, state, true);
        }

        Run(Emit emit, Path state, boolean queries) {
            ProcessorConfig config = ProcessorConfig.builder(KafkaConnection.of("unused:9092"), "", state, 1)
                    .emit(emit).applicationServer(queries ? "127.0.0.1:8080" : null).build();
            driver = new TopologyTestDriver(PointTopology.build(config, new ProcessingStats(), live),
                    PointTopology.streamsProperties(config));
            points = driver.createInputTopic("points", new BytesSerializer(), new ByteArraySerializer());
            aggregates = driver.createOutputTopic("points-agg-1m", new StringDeserializer(), new WindowResultSerde());
            log = driver.createOutputTopic(CHANGELOG, new BytesDeserializer(), new ByteArrayDeserializer());
        }

        void send(String sensor, long ts, double value) {
            points.pipeInput(Bytes.wrap(sensor.getBytes(StandardCharsets.UTF_8)), BinaryPoint.encode(ts, value),
                    Instant.ofEpochMilli(ts));
            for (KeyValue<Bytes, byte[]> kv : log.readKeyValuesToList()) {
                if (kv.value == null) {
                    tombstones.add(kv.key);
                    changelog.remove(kv.key);
                } else {
                    changelog.put(kv.key, kv.value);
                }
            }
        }

        /** The windows in the changelog: window key to its count. */
        Map<String, Long> windows() {
            Map<String, Long> counts = new TreeMap<>();
            changelog.forEach((k, v) -> WindowAggregateStore.foldCounts(k.get(), v, counts));
            return counts;
        }

        List<KeyValue<Bytes, byte[]>> compacted() {
            List<KeyValue<Bytes, byte[]>> records = new ArrayList<>();
            changelog.forEach((k, v) -> records.add(KeyValue.pair(k, v)));
            return records;
        }

        @Override
        public void close() {
            driver.close();
        }
    }

    private static String key(String sensor, int minute) {
        return WindowResult.key(sensor, T0 + minute * MINUTE);
    }

    private static Bytes storeKey(String sensor, int minute) {
        byte[] s = sensor.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(s.length + Long.BYTES).put(s).putLong(T0 + minute * MINUTE).array());
    }

    /**
     * "stopped" sends 2 points a minute in minutes 0-2 and then nothing; "clock" sends in every minute
     * up to 14. At stream time 14:30 the windows closed are those up to 13 (end plus 10 s of grace at
     * or before 14:30) and the query API keeps 10 window lengths: windows from minute 4 on. So the
     * changelog holds clock's windows 4-13 (closed, kept) and 14 (open); every earlier window got its
     * tombstone, "stopped"'s three among them, each once.
     */
    @ParameterizedTest
    @EnumSource(Emit.class)
    void shouldKeepClosedWindowsInTheChangelogWhileQueriesKeepThemThenDeleteThem(Emit emit) {
        try (Run run = new Run(emit, stateDir)) {
            for (int m = 0; m <= 14; m++) {
                if (m <= 2) {
                    run.send("stopped", T0 + m * MINUTE + 5_000, m);
                    run.send("stopped", T0 + m * MINUTE + 6_000, m + 1);
                }
                run.send("clock", T0 + m * MINUTE + 30_000, 1);
                if (m == 12) {
                    // At stream time 12:30 the API keeps windows from minute 2: stopped's 2 is still there.
                    assertThat(run.windows()).containsEntry(key("stopped", 2), 2L)
                            .doesNotContainKeys(key("stopped", 0), key("stopped", 1));
                    assertThat(run.live.windows("stopped", Long.MIN_VALUE, Long.MAX_VALUE))
                            .extracting(WindowResult::windowStart).containsExactly(T0 + 2 * MINUTE);
                }
            }
            Map<String, Long> expected = new TreeMap<>();
            for (int m = 4; m <= 14; m++) {
                expected.put(key("clock", m), 1L);
            }
            assertThat(run.windows()).isEqualTo(expected);
            assertThat(run.tombstones).containsOnlyOnce(storeKey("stopped", 0), storeKey("stopped", 1),
                    storeKey("stopped", 2), storeKey("clock", 0), storeKey("clock", 3));
            assertThat(run.tombstones).hasSize(3 + 4);
            assertThat(run.live.windows("stopped", Long.MIN_VALUE, Long.MAX_VALUE)).isNull();
            assertThat(run.live.windows("clock", Long.MIN_VALUE, Long.MAX_VALUE)).extracting(WindowResult::windowStart)
                    .containsExactlyElementsOf(expected.keySet().stream()
                            .map(k -> Instant.parse(k.substring(k.indexOf('@') + 1)).toEpochMilli()).toList());
        }
    }

    /**
     * An instance that serves no queries ({@code --http-port -1}: no application.server) keeps no
     * closed window: each gets its tombstone in the commit that closes it, and the changelog holds the
     * open windows only.
     */
    @ParameterizedTest
    @EnumSource(Emit.class)
    void shouldDeleteEachWindowWhenItClosesWithoutQueries(Emit emit) {
        try (Run run = new Run(emit, stateDir, false)) {
            run.send("stopped", T0 + 5_000, 1);
            run.send("clock", T0 + 30_000, 1);
            run.send("clock", T0 + MINUTE + 9_999, 1);
            assertThat(run.tombstones).isEmpty();
            // Stream time 1:10: minute 0 closes.
            run.send("clock", T0 + MINUTE + 10_000, 1);
            assertThat(run.tombstones).containsExactlyInAnyOrder(storeKey("stopped", 0), storeKey("clock", 0));
            assertThat(run.windows()).isEqualTo(Map.of(key("clock", 1), 2L));
        }
    }

    /**
     * A new owner of the partition (a restoration from the compacted changelog) answers for the closed
     * windows of a sensor that stopped sending, exactly as the old owner did, and emits none of them again.
     */
    @ParameterizedTest
    @EnumSource(Emit.class)
    void shouldAnswerForAStoppedSensorsClosedWindowsAfterThePartitionMoves(Emit emit) {
        List<KeyValue<Bytes, byte[]>> changelog;
        List<WindowResult> before;
        try (Run old = new Run(emit, stateDir.resolve("old"))) {
            for (int m = 0; m <= 5; m++) {
                if (m <= 2) {
                    old.send("stopped", T0 + m * MINUTE + 5_000, 10 * m);
                    old.send("stopped", T0 + m * MINUTE + 6_000, 10 * m + 4);
                }
                old.send("clock", T0 + m * MINUTE + 30_000, 1);
            }
            before = old.live.windows("stopped", Long.MIN_VALUE, Long.MAX_VALUE);
            changelog = old.compacted();
        }
        assertThat(before).extracting(WindowResult::windowStart)
                .containsExactly(T0, T0 + MINUTE, T0 + 2 * MINUTE);
        assertThat(before).extracting(WindowResult::sum).containsExactly(4.0, 24.0, 44.0);

        try (Run next = new Run(emit, stateDir.resolve("new"))) {
            ((WindowAggregateStore) next.driver.getStateStore(PointTopology.AGGREGATE_STORE)).replay(changelog);
            assertThat(next.live.windows("stopped", Long.MIN_VALUE, Long.MAX_VALUE)).isEqualTo(before);
            // Its windows closed long ago; more of the clock's points close minute 5 and emit only that.
            next.send("clock", T0 + 6 * MINUTE + 30_000, 1);
            assertThat(next.aggregates.readKeyValuesToMap().keySet()).as("emitted after the move")
                    .doesNotContain(key("stopped", 0), key("stopped", 1), key("stopped", 2))
                    .contains(emit == Emit.FINAL ? key("clock", 5) : key("clock", 6));
            assertThat(next.live.windows("stopped", Long.MIN_VALUE, Long.MAX_VALUE)).isEqualTo(before);
            assertThat(next.tombstones).as("kept for queries still").isEmpty();
            // The restored closed windows get their tombstones from the new owner once queries no longer
            // keep them: at stream time 12:30, those before minute 2; at 13:30, minute 2 too.
            for (int m = 7; m <= 12; m++) {
                next.send("clock", T0 + m * MINUTE + 30_000, 1);
            }
            assertThat(next.tombstones).contains(storeKey("stopped", 0), storeKey("stopped", 1))
                    .doesNotContain(storeKey("stopped", 2));
            next.send("clock", T0 + 13 * MINUTE + 30_000, 1);
            assertThat(next.tombstones).containsOnlyOnce(storeKey("stopped", 0), storeKey("stopped", 1),
                    storeKey("stopped", 2));
            assertThat(next.windows().keySet()).noneMatch(k -> k.startsWith("stopped@"));
            assertThat(next.live.windows("stopped", Long.MIN_VALUE, Long.MAX_VALUE)).isNull();
        }
    }
}
