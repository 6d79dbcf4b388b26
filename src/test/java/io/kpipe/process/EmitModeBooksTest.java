package io.kpipe.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.config.ProcessorConfig.Emit;
import io.kpipe.model.Aggregate;
import io.kpipe.model.DeadLetter;
import io.kpipe.model.WindowResult;
import io.kpipe.model.WindowResultSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The books of the real topology in each emit mode, window by window: a million sensors
 * ({@link MillionSensors}: every window's count, sum, min and max known in advance, points out of
 * order within the grace, late points, invalid records), and the restoration of final mode from
 * the changelog after a crash.
 */
class EmitModeBooksTest {
    private static final String CHANGELOG = "kpipe-processor-agg-store-changelog";

    @TempDir
    Path stateDir;

    @ParameterizedTest
    @EnumSource(Emit.class)
    void shouldAccountForEveryPointOfAMillionSensorsWindowByWindow(Emit emit) {
        MillionSensors input = new MillionSensors(1_000_000);
        ProcessingStats stats = new ProcessingStats();
        Outputs out = new Outputs(input.sensors);
        LiveWindows live = new LiveWindows();
        // What the query API answers at the end (before the task closes) for each sensor's closed windows.
        List<List<WindowResult>> queried = new ArrayList<>(input.sensors);
        long closedUpTo = MillionSensors.windowStart(MillionSensors.MINUTES - 2);
        try (TopologyTestDriver driver = driver(emit, stateDir, stats, live)) {
            TestInputTopic<Bytes, byte[]> points = out.attach(driver);
            input.send(points, out::read);
            out.read();
            for (int i = 0; i < input.sensors; i++) {
                queried.add(live.windows(MillionSensors.name(i), Long.MIN_VALUE, closedUpTo + 1));
            }
        }

        long aggregated = 0;
        long emitted = 0;
        Mismatches wrong = new Mismatches();
        for (int i = 0; i < input.sensors; i++) {
            Aggregate want = input.expected(i);
            aggregated += want.count();
            boolean open = i % MillionSensors.MINUTES == MillionSensors.MINUTES - 1;
            // Final: closed windows reach the topic once, with their final value; open ones not yet.
            // Updates: every commit with a change to the window wrote it (the test driver commits
            // after each record); the last record is its value.
            long emissions = emit == Emit.FINAL ? (open ? 0 : 1) : want.count();
            int sensor = i;
            wrong.check(out.emissions[i] == emissions, i, () -> "emitted " + out.emissions[sensor] + " times, not " + emissions);
            if (out.emissions[i] > 0) {
                wrong.check(out.holds(i, want), i, () -> "emitted " + out.describe(sensor) + ", not " + describe(want));
                emitted++;
            }
        }
        assertThat(wrong.found).as("windows not exact").isEmpty();
        // The windows still open at the end (minute 4) are in the changelog, exact: where the
        // books of a run read them in final mode.
        Map<String, Aggregate> open = out.openWindows();
        assertThat(open).hasSize(input.sensors / MillionSensors.MINUTES);
        for (int i = MillionSensors.MINUTES - 1; i < input.sensors; i += MillionSensors.MINUTES) {
            assertSame(open.get(WindowResult.key(MillionSensors.name(i), MillionSensors.windowStart(i))), input.expected(i),
                    MillionSensors.name(i));
        }
        Map<String, Long> openCounts = out.openCounts();
        if (emit == Emit.FINAL) {
            assertThat(openCounts.keySet()).as("the books' open windows: in the changelog, not on the topic")
                    .isEqualTo(open.keySet());
            assertThat(openCounts.values().stream().mapToLong(Long::longValue).sum())
                    .isEqualTo(open.values().stream().mapToLong(Aggregate::count).sum());
        }
        // The changelog also keeps, with their final values, the closed windows that the query API keeps,
        // so that a restoration elsewhere answers for them. The API keeps sensors times window lengths
        // within a million: in updates mode every sensor is published, so 1 window length (minute 3); in
        // final mode only closed windows are, 400,000 sensors after minute 3 closed, so 2 (minutes 2 and 3).
        Map<String, Aggregate> kept = out.windows(true);
        java.util.Set<Integer> keptMinutes = emit == Emit.FINAL ? java.util.Set.of(2, 3) : java.util.Set.of(3);
        assertThat(kept).hasSize(input.sensors / MillionSensors.MINUTES * keptMinutes.size());
        for (int i = 0; i < input.sensors; i++) {
            String key = WindowResult.key(MillionSensors.name(i), MillionSensors.windowStart(i));
            List<WindowResult> answer = queried.get(i);
            if (keptMinutes.contains(i % MillionSensors.MINUTES)) {
                assertSame(kept.get(key), input.expected(i), key);
                wrong.check(answer != null && answer.size() == 1 && answer.get(0).count() == input.expected(i).count(),
                        i, () -> "the query API has " + answer);
            } else {
                wrong.check(answer == null || answer.isEmpty(), i, () -> "the query API keeps " + answer);
            }
        }
        assertThat(wrong.found).as("closed windows kept for queries and in the changelog").isEmpty();

        assertThat(emitted).isEqualTo(emit == Emit.FINAL ? input.sensors / 5 * 4 : input.sensors);
        long onTopic = out.emittedCountSum();
        long stillOpen = emit == Emit.FINAL ? openCounts.values().stream().mapToLong(Long::longValue).sum() : 0;
        assertThat(onTopic + stillOpen).as("final counts on the topic + open in the state").isEqualTo(aggregated);
        assertThat(aggregated + input.late + input.invalid).as("every record has one outcome").isEqualTo(input.sent);
        assertThat(input.late).isEqualTo(800);
        assertThat(input.invalid).isEqualTo(1000);
        assertThat(out.deadLetters).containsOnly(Map.entry(DeadLetter.Type.INVALID, input.invalid),
                Map.entry(DeadLetter.Type.LATE, input.late));
        assertThat(stats.processed()).isEqualTo(input.sent);
        assertThat(stats.invalid()).isEqualTo(input.invalid);
        assertThat(stats.late()).isEqualTo(input.late);
    }

    /**
     * A processor that stops after {@code percent} of the input and a new one that restores the
     * state from the changelog written so far (compacted, or {@code whole}: every record in the order
     * written, overwrites and tombstones included) and takes the rest: together they emit exactly
     * what one uninterrupted processor emits (in final mode each window once) and leave the same
     * windows open.
     */
    @ParameterizedTest
    @CsvSource({"FINAL, 15, false", "FINAL, 50, false", "FINAL, 90, false", "FINAL, 50, true",
            "UPDATES, 50, false", "UPDATES, 50, true"})
    void shouldEmitTheSameWindowsAfterARestorationFromTheChangelog(Emit emit, int percent, boolean whole) {
        MillionSensors all = new MillionSensors(50_000);
        Outputs uninterrupted = new Outputs(all.sensors);
        try (TopologyTestDriver driver = driver(emit, stateDir.resolve("whole"), new ProcessingStats())) {
            all.send(uninterrupted.attach(driver), uninterrupted::read);
            uninterrupted.read();
        }

        MillionSensors input = new MillionSensors(50_000);
        Outputs restored = new Outputs(input.sensors);
        long crashAt = all.sent * percent / 100;
        long sent;
        try (TopologyTestDriver first = driver(emit, stateDir.resolve("first"), new ProcessingStats())) {
            sent = input.sendUntil(restored.attach(first), restored::read, n -> n == crashAt);
            restored.read();
        }
        List<KeyValue<Bytes, byte[]>> changelog = whole ? List.copyOf(restored.wholeChangelog)
                : restored.compactedChangelog();
        try (TopologyTestDriver second = driver(emit, stateDir.resolve("second"), new ProcessingStats())) {
            TestInputTopic<Bytes, byte[]> points = restored.attach(second);
            ((WindowAggregateStore) second.getStateStore(PointTopology.AGGREGATE_STORE)).replay(changelog);
            input.sendFrom(sent, points, restored::read);
            restored.read();
        }

        assertThat(sent).isEqualTo(crashAt);
        assertThat(input.sent).isEqualTo(all.sent);
        assertThat(changelog.size()).as("the changelog read").isGreaterThan(whole ? restored.compactedChangelog().size() : 0);
        Mismatches wrong = new Mismatches();
        for (int i = 0; i < input.sensors; i++) {
            int sensor = i;
            wrong.check(restored.emissions[i] == uninterrupted.emissions[i]
                            && (emit == Emit.UPDATES || restored.emissions[i] <= 1), i,
                    () -> "emitted " + restored.emissions[sensor] + " times, uninterrupted " + uninterrupted.emissions[sensor]);
            if (restored.emissions[i] > 0) {
                wrong.check(restored.holds(i, input.expected(i)), i,
                        () -> "emitted " + restored.describe(sensor) + ", not " + describe(input.expected(sensor)));
            }
        }
        assertThat(wrong.found).as("windows not as without the crash").isEmpty();
        assertThat(restored.emittedCountSum()).isEqualTo(uninterrupted.emittedCountSum());
        assertThat(counts(restored.openWindows())).isEqualTo(counts(uninterrupted.openWindows()));
        assertThat(counts(restored.windows(true))).isEqualTo(counts(uninterrupted.windows(true)));
        if (emit == Emit.FINAL) {
            assertThat(restored.openCounts()).isEqualTo(uninterrupted.openCounts());
        }
        assertThat(restored.deadLetters).isEqualTo(uninterrupted.deadLetters);
    }

    /**
     * A restoration that missed a tombstone (compacted away while it read) loads a window that was
     * closed, and emitted, before the crash: it is never emitted a second time, and it is deleted once
     * it is older than what queries keep (the whole run here: with 50,000 sensors, 10 window lengths).
     */
    @Test
    void shouldNotEmitAgainAWindowWhoseTombstoneTheRestorationMissed() {
        MillionSensors input = new MillionSensors(50_000);
        Outputs restored = new Outputs(input.sensors);
        long crashAt = input.sensors * 9L / 10;
        long sent;
        try (TopologyTestDriver first = driver(Emit.FINAL, stateDir.resolve("first"), new ProcessingStats())) {
            sent = input.sendUntil(restored.attach(first), restored::read, n -> n >= crashAt);
            restored.read();
        }
        assertThat(restored.emissions[0]).as("sensor 0's window (minute 0) closed before the crash").isEqualTo(1);
        List<KeyValue<Bytes, byte[]>> changelog = new ArrayList<>(restored.compactedChangelog());
        byte[] sensor = MillionSensors.name(0).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer value = java.nio.ByteBuffer.allocate(Aggregate.BYTES);
        input.expected(0).writeTo(value);
        Bytes staleKey = Bytes.wrap(java.nio.ByteBuffer.allocate(sensor.length + Long.BYTES).put(sensor)
                .putLong(MillionSensors.windowStart(0)).array());
        changelog.add(KeyValue.pair(staleKey, value.array()));
        try (TopologyTestDriver second = driver(Emit.FINAL, stateDir.resolve("second"), new ProcessingStats())) {
            TestInputTopic<Bytes, byte[]> points = restored.attach(second);
            ((WindowAggregateStore) second.getStateStore(PointTopology.AGGREGATE_STORE)).replay(changelog);
            input.sendFrom(sent, points, restored::read);
            restored.read();
        }
        assertThat(restored.emissions[0]).isEqualTo(1);
        assertThat(restored.tombstonesSinceAttach).as("kept for queries: 10 window lengths").doesNotContain(staleKey);
        assertThat(restored.windows(true)).containsKey(io.kpipe.model.WindowResult.key(MillionSensors.name(0),
                MillionSensors.windowStart(0)));
        assertThat(restored.openCounts()).doesNotContainKey(io.kpipe.model.WindowResult.key(MillionSensors.name(0),
                MillionSensors.windowStart(0)));
    }

    private static TopologyTestDriver driver(Emit emit, Path state, ProcessingStats stats) {
        return driver(emit, state, stats, new LiveWindows());
    }

    private static TopologyTestDriver driver(Emit emit, Path state, ProcessingStats stats, LiveWindows live) {
        // Serving queries (an application.server), so closed windows stay in the changelog for them.
        ProcessorConfig config = ProcessorConfig.builder(KafkaConnection.of("unused:9092"), "", state, 1)
                .emit(emit).applicationServer("127.0.0.1:8080").build();
        return new TopologyTestDriver(PointTopology.build(config, stats, live), PointTopology.streamsProperties(config));
    }

    private static Map<String, Long> counts(Map<String, Aggregate> windows) {
        Map<String, Long> counts = new HashMap<>();
        windows.forEach((k, a) -> counts.put(k, a.count()));
        return counts;
    }

    private static String describe(Aggregate a) {
        return "count " + a.count() + ", sum " + a.sum() + ", min " + a.min() + ", max " + a.max();
    }

    /** The first mismatches found, named by sensor: one assertion for a million windows. */
    private static final class Mismatches {
        final List<String> found = new ArrayList<>();

        void check(boolean ok, int sensor, java.util.function.Supplier<String> what) {
            if (!ok && found.size() < 20) {
                found.add(MillionSensors.name(sensor) + ": " + what.get());
            }
        }
    }

    private static void assertSame(Aggregate got, Aggregate want, String what) {
        assertThat(got).as(what).isNotNull();
        assertThat(new double[] {got.count(), got.sum(), got.min(), got.max()}).as(what)
                .containsExactly(want.count(), want.sum(), want.min(), want.max());
    }

    /**
     * What the topology wrote, read every 10,000 input records (the test driver keeps its output
     * until it is read): per sensor (each has one window) its emissions and last emitted value, dead
     * letters by type, and the changelog folded as compaction would.
     */
    private static final class Outputs {
        final long[] emissions;
        final long[] count;
        final double[] sum;
        final double[] min;
        final double[] max;
        final long[] start;
        final Map<DeadLetter.Type, Long> deadLetters = new EnumMap<>(DeadLetter.Type.class);
        private final Map<Bytes, byte[]> changelog = new HashMap<>();
        /** Every changelog record, in the order written, over all the drivers attached. */
        final List<KeyValue<Bytes, byte[]>> wholeChangelog = new ArrayList<>();
        /** The keys deleted from the changelog since the last {@link #attach}. */
        final java.util.Set<Bytes> tombstonesSinceAttach = new java.util.HashSet<>();
        private TestOutputTopic<String, WindowResult> aggregates;
        private TestOutputTopic<Bytes, byte[]> dlq;
        private TestOutputTopic<Bytes, byte[]> log;

        Outputs(int sensors) {
            emissions = new long[sensors];
            count = new long[sensors];
            sum = new double[sensors];
            min = new double[sensors];
            max = new double[sensors];
            start = new long[sensors];
        }

        TestInputTopic<Bytes, byte[]> attach(TopologyTestDriver driver) {
            aggregates = driver.createOutputTopic("points-agg-1m", new StringDeserializer(), new WindowResultSerde());
            dlq = driver.createOutputTopic("points-dlq", new BytesDeserializer(), new ByteArrayDeserializer());
            log = driver.createOutputTopic(CHANGELOG, new BytesDeserializer(), new ByteArrayDeserializer());
            tombstonesSinceAttach.clear();
            return driver.createInputTopic("points", new BytesSerializer(), new ByteArraySerializer());
        }

        void read() {
            for (TestRecord<String, WindowResult> r : aggregates.readRecordsToList()) {
                WindowResult w = r.value();
                int i = (int) MillionSensors.index(w.sensor());
                assertThat(r.key()).isEqualTo(WindowResult.key(w.sensor(), w.windowStart()));
                emissions[i]++;
                count[i] = w.count();
                sum[i] = w.sum();
                min[i] = w.min();
                max[i] = w.max();
                start[i] = w.windowStart();
            }
            for (TestRecord<Bytes, byte[]> r : dlq.readRecordsToList()) {
                deadLetters.merge(DeadLetter.Type.of(r.headers()), 1L, Long::sum);
            }
            for (KeyValue<Bytes, byte[]> kv : log.readKeyValuesToList()) {
                wholeChangelog.add(kv);
                if (kv.value == null) {
                    tombstonesSinceAttach.add(kv.key);
                    changelog.remove(kv.key);
                } else {
                    changelog.put(kv.key, kv.value);
                }
            }
        }

        /** Whether the last record emitted for sensor i is its window, holding {@code want}. */
        boolean holds(int i, Aggregate want) {
            return start[i] == MillionSensors.windowStart(i) && count[i] == want.count() && sum[i] == want.sum()
                    && min[i] == want.min() && max[i] == want.max();
        }

        String describe(int i) {
            return "window " + start[i] + ": count " + count[i] + ", sum " + sum[i] + ", min " + min[i] + ", max " + max[i];
        }

        long emittedCountSum() {
            long s = 0;
            for (int i = 0; i < count.length; i++) {
                s += emissions[i] > 0 ? count[i] : 0;
            }
            return s;
        }

        /**
         * The windows in the changelog (by window key) that its stream time has not closed, as a
         * restoration would load them; with {@code closed}, the closed ones it keeps for queries instead.
         */
        Map<String, Aggregate> windows(boolean closed) {
            long closedUpTo = ByteBuffer.wrap(changelog.get(Bytes.wrap(new byte[0]))).getLong()
                    - ProcessorConfig.DEFAULT_GRACE.toMillis() - 60_000;
            Map<String, Aggregate> found = new HashMap<>();
            changelog.forEach((k, v) -> {
                byte[] key = k.get();
                if (key.length > Long.BYTES) {
                    String sensor = new String(key, 0, key.length - Long.BYTES, StandardCharsets.UTF_8);
                    long windowStart = ByteBuffer.wrap(key, key.length - Long.BYTES, Long.BYTES).getLong();
                    if (windowStart <= closedUpTo == closed) {
                        found.put(WindowResult.key(sensor, windowStart), Aggregate.readFrom(ByteBuffer.wrap(v)));
                    }
                }
            });
            return found;
        }

        Map<String, Aggregate> openWindows() {
            return windows(false);
        }

        /**
         * The open windows' counts as the books of a run read them in final mode: the changelog folded
         * ({@link WindowAggregateStore#foldCounts}), less the windows on {@code points-agg-1m}.
         */
        Map<String, Long> openCounts() {
            Map<String, Long> counts = new HashMap<>();
            changelog.forEach((k, v) -> WindowAggregateStore.foldCounts(k.get(), v, counts));
            for (int i = 0; i < emissions.length; i++) {
                if (emissions[i] > 0) {
                    counts.remove(WindowResult.key(MillionSensors.name(i), start[i]));
                }
            }
            return counts;
        }

        List<KeyValue<Bytes, byte[]>> compactedChangelog() {
            List<KeyValue<Bytes, byte[]>> records = new ArrayList<>();
            changelog.forEach((k, v) -> records.add(KeyValue.pair(k, v)));
            return records;
        }
    }
}
