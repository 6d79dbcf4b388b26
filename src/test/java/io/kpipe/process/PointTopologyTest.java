package io.kpipe.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.model.Aggregate;
import io.kpipe.model.Alert;
import io.kpipe.model.BinaryPoint;
import io.kpipe.model.DeadLetter;
import io.kpipe.model.JsonSerde;
import io.kpipe.model.WindowResult;
import io.kpipe.model.WindowResultSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.BytesDeserializer;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PointTopologyTest {
    /** A minute boundary: 2025-11-24T16:00:00Z. */
    private static final long T0 = 1_764_000_000_000L;

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<Bytes, byte[]> points;
    private TestOutputTopic<String, WindowResult> aggregates;
    private TestOutputTopic<Bytes, byte[]> deadLetters;
    private TestInputTopic<String, String> devices;
    private TestOutputTopic<String, Alert> alerts;
    private ProcessingStats stats;

    @BeforeEach
    void setUp() {
        start(ProcessorConfig.defaults(KafkaConnection.of("unused:9092"), "", stateDir, 1));
    }

    private void start(ProcessorConfig config) {
        if (driver != null) {
            driver.close();
        }
        stats = new ProcessingStats();
        driver = new TopologyTestDriver(PointTopology.build(config, stats), PointTopology.streamsProperties(config));
        points = driver.createInputTopic("points", new BytesSerializer(), new ByteArraySerializer());
        aggregates = driver.createOutputTopic("points-agg-1m", new StringDeserializer(), new WindowResultSerde());
        deadLetters = driver.createOutputTopic("points-dlq", new BytesDeserializer(), new ByteArrayDeserializer());
        devices = driver.createInputTopic("devices", new StringSerializer(), new StringSerializer());
        alerts = driver.createOutputTopic("alerts", new StringDeserializer(), new JsonSerde<>(Alert.class));
    }

    @AfterEach
    void tearDown() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void shouldAggregateExactlyAcrossWindowBoundaries() {
        send("s-1", T0, 1.0);
        send("s-1", T0 + 59_999, 3.0);
        send("s-2", T0 + 30_000, 5.0);
        send("s-1", T0 + 60_000, 10.0);

        Map<String, WindowResult> last = aggregates.readKeyValuesToMap();

        assertThat(last).containsOnlyKeys("s-1@2025-11-24T16:00:00Z", "s-1@2025-11-24T16:01:00Z", "s-2@2025-11-24T16:00:00Z");
        assertThat(last.get("s-1@2025-11-24T16:00:00Z"))
                .isEqualTo(new WindowResult("s-1", "unknown", null, T0, T0 + 60_000, 2, 4.0, 1.0, 3.0, 2.0, 1.0, T0, T0 + 59_999));
        assertThat(last.get("s-1@2025-11-24T16:01:00Z"))
                .isEqualTo(new WindowResult("s-1", "unknown", null, T0 + 60_000, T0 + 120_000, 1, 10.0, 10.0, 10.0, 10.0, 0.0, T0 + 60_000, T0 + 60_000));
        assertThat(last.get("s-2@2025-11-24T16:00:00Z").count()).isEqualTo(1);
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(stats.processed()).isEqualTo(4);
    }

    @Test
    void shouldDecodeAllThreeFormatsIntoOneWindow() {
        points.pipeInput(key("s-42"), BinaryPoint.encode(T0 + 1_000, 1.5), Instant.ofEpochMilli(T0 + 1_000));
        points.pipeInput(key("s-42"), utf8("{\"sensor\":\"s-42\",\"ts\":" + (T0 + 2_000) + ",\"value\":2.5}"),
                Instant.ofEpochMilli(T0 + 2_000));
        points.pipeInput(key("s-42"), utf8("s-42," + (T0 + 3_000) + ",3.5"), Instant.ofEpochMilli(T0 + 3_000));
        points.pipeInput(key("s-42"), utf8("{\"sensor\":\"s-42\",\"value\":4.5}"), Instant.ofEpochMilli(T0 + 4_000));

        WindowResult w = aggregates.readKeyValuesToMap().get("s-42@2025-11-24T16:00:00Z");

        assertThat(w.count()).isEqualTo(4);
        assertThat(w.sum()).isEqualTo(12.0);
        assertThat(w.firstTs()).isEqualTo(T0 + 1_000);
        assertThat(w.lastTs()).isEqualTo(T0 + 4_000);
        assertThat(w.stddev()).isCloseTo(Math.sqrt(1.25), within(1e-12));
    }

    @Test
    void shouldAggregateOutOfOrderPointsWithinGrace() {
        send("s-1", T0 + 65_000, 1.0);
        // Window [T0, T0+60s) closes at stream time T0+70s (10 s grace): this point is in time.
        send("s-1", T0 + 50_000, 2.0);

        Map<String, WindowResult> last = aggregates.readKeyValuesToMap();

        assertThat(last.get("s-1@2025-11-24T16:00:00Z").count()).isEqualTo(1);
        assertThat(last.get("s-1@2025-11-24T16:01:00Z").count()).isEqualTo(1);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void shouldRouteLatePointsToDeadLetterTopicAndNeverAggregateThem() {
        send("s-1", T0 + 70_000, 1.0);
        byte[] late = BinaryPoint.encode(T0 + 59_000, 99.0);
        points.pipeInput(key("s-1"), late, Instant.ofEpochMilli(T0 + 70_001));

        List<TestRecord<Bytes, byte[]>> dead = deadLetters.readRecordsToList();

        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo(late);
        assertThat(header(dead.get(0), DeadLetter.ERROR_TYPE)).isEqualTo("late");
        assertThat(header(dead.get(0), DeadLetter.ERROR)).isEqualTo(
                "late: window ending " + (T0 + 60_000) + " closed at stream time " + (T0 + 70_000) + " with grace 10000 ms");
        assertThat(aggregates.readKeyValuesToMap()).containsOnlyKeys("s-1@2025-11-24T16:01:00Z");
        assertThat(stats.late()).isEqualTo(1);
        assertThat(stats.invalid()).isZero();
    }

    @Test
    void shouldRouteMalformedJsonToDeadLetterTopicWithReasonAndSource() {
        send("s-1", T0, 1.0);
        byte[] bad = utf8("{\"sensor\":\"s-1\",\"ts\":" + T0 + "}");
        points.pipeInput(key("s-1"), bad, Instant.ofEpochMilli(T0));

        List<TestRecord<Bytes, byte[]>> dead = deadLetters.readRecordsToList();

        assertThat(dead).hasSize(1);
        TestRecord<Bytes, byte[]> r = dead.get(0);
        assertThat(r.key()).isEqualTo(key("s-1"));
        assertThat(r.value()).isEqualTo(bad);
        assertThat(header(r, DeadLetter.ERROR)).isEqualTo("JSON field 'value' is missing");
        assertThat(header(r, DeadLetter.ERROR_TYPE)).isEqualTo("invalid");
        assertThat(header(r, DeadLetter.SOURCE_TOPIC)).isEqualTo("points");
        assertThat(header(r, DeadLetter.SOURCE_PARTITION)).isEqualTo("0");
        assertThat(header(r, DeadLetter.SOURCE_OFFSET)).isEqualTo("1");
        assertThat(aggregates.readKeyValuesToMap().get("s-1@2025-11-24T16:00:00Z").count()).isEqualTo(1);
        assertThat(stats.invalid()).isEqualTo(1);
    }

    @Test
    void shouldKeepTheProducersHeadersOnDeadLetters() {
        TestRecord<Bytes, byte[]> in = new TestRecord<>(null, utf8("garbage"), Instant.ofEpochMilli(T0));
        in.headers().add("trace-id", utf8("abc"));
        points.pipeInput(in);

        TestRecord<Bytes, byte[]> r = deadLetters.readRecord();

        assertThat(r.key()).isNull();
        assertThat(header(r, "trace-id")).isEqualTo("abc");
        assertThat(header(r, DeadLetter.ERROR)).isEqualTo("missing key: points must be keyed by sensor id");
    }

    @Test
    void shouldDeadLetterPointsFarAheadOfTheirRecordTimestampAsFuture() {
        long twoHours = 2 * 3_600_000L;
        points.pipeInput(key("s-1"), BinaryPoint.encode(T0 + twoHours, 1.0), Instant.ofEpochMilli(T0));
        send("s-1", T0, 2.0);

        TestRecord<Bytes, byte[]> r = deadLetters.readRecord();

        assertThat(header(r, DeadLetter.ERROR_TYPE)).isEqualTo("future");
        assertThat(header(r, DeadLetter.ERROR)).isEqualTo("future: event time " + (T0 + twoHours)
                + " is 7200000 ms ahead of the record timestamp; at most 60000 ms allowed");
        // The far-future point did not advance stream time: the point at T0 is still aggregated.
        assertThat(aggregates.readKeyValuesToMap().get("s-1@2025-11-24T16:00:00Z").count()).isEqualTo(1);
        assertThat(stats.invalid()).isEqualTo(1);
    }

    @Test
    void shouldDeadLetterPointsAheadOfTheProcessorsClockEvenWhenTheirRecordTimestampIsAheadToo() {
        long now = System.currentTimeMillis();
        long future = now + 3_600_000L;
        points.pipeInput(key("s-1"), BinaryPoint.encode(future, 1.0), Instant.ofEpochMilli(future));

        TestRecord<Bytes, byte[]> r = deadLetters.readRecord();

        assertThat(header(r, DeadLetter.ERROR_TYPE)).isEqualTo("future");
        assertThat(header(r, DeadLetter.ERROR)).matches("future: event time " + future + " is \\d+ ms ahead of this "
                + "processor's clock \\(the record timestamp is \\d+ ms ahead of it too\\); at most 60000 ms allowed");
        assertThat(aggregates.isEmpty()).isTrue();
    }

    @Test
    void shouldNotLetAPointWithinTheSkewCloseTheWindowsOfOnTimePoints() {
        send("s-1", T0 + 1_000, 1.0);
        // 50 s ahead of its record timestamp (within the 60 s allowed): aggregated in its own window,
        // but stream time moves only to the record timestamp, T0+40s.
        points.pipeInput(key("s-9"), BinaryPoint.encode(T0 + 90_000, 5.0), Instant.ofEpochMilli(T0 + 40_000));
        // Had stream time followed the fast clock to T0+90s, window [T0, T0+60s) would have closed.
        points.pipeInput(key("s-1"), BinaryPoint.encode(T0 + 2_000, 3.0), Instant.ofEpochMilli(T0 + 40_001));

        Map<String, WindowResult> last = aggregates.readKeyValuesToMap();

        assertThat(last.get("s-1@2025-11-24T16:00:00Z").count()).isEqualTo(2);
        assertThat(last.get("s-9@2025-11-24T16:01:00Z").count()).isEqualTo(1);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void shouldAggregateARecordWithoutTimestampAsStampedOnArrival() {
        long before = System.currentTimeMillis();
        points.pipeInput(new TestRecord<>(key("s-1"), utf8("{\"sensor\":\"s-1\",\"value\":7.5}"), new RecordHeaders(),
                Instant.ofEpochMilli(-1)));
        points.pipeInput(new TestRecord<>(key("s-2"), utf8("s-2," + before + ",1.5"), new RecordHeaders(),
                Instant.ofEpochMilli(-7)));
        long after = System.currentTimeMillis();

        List<WindowResult> out = aggregates.readValuesToList();

        assertThat(out).hasSize(2);
        assertThat(out.get(0).sensor()).isEqualTo("s-1");
        assertThat(out.get(0).firstTs()).isBetween(before, after);
        assertThat(out.get(1)).extracting(WindowResult::sensor, WindowResult::firstTs).containsExactly("s-2", before);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void shouldTruncateAnOversizedDeadLetterAndSayHowBigItWasAndItsHash() throws Exception {
        byte[] garbage = new byte[1_500_000];
        java.util.Arrays.fill(garbage, (byte) 'x');
        TestRecord<Bytes, byte[]> in = new TestRecord<>(key("s-1"), garbage, Instant.ofEpochMilli(T0));
        in.headers().add("huge", new byte[20_000]);
        points.pipeInput(in);
        send("s-1", T0, 1.0);

        TestRecord<Bytes, byte[]> r = deadLetters.readRecord();

        assertThat(r.value()).hasSize(DeadLetter.MAX_VALUE_BYTES).isEqualTo(java.util.Arrays.copyOf(garbage, 65_536));
        assertThat(header(r, DeadLetter.ORIGINAL_SIZE)).isEqualTo("1500000");
        assertThat(header(r, DeadLetter.ORIGINAL_SHA256)).isEqualTo(java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(garbage)));
        assertThat(header(r, DeadLetter.ORIGINAL_HEADERS_SIZE)).isEqualTo("20004");
        assertThat(r.headers().lastHeader("huge")).isNull();
        assertThat(header(r, DeadLetter.ERROR)).isEqualTo("unrecognised format: first byte 0x78 is neither binary (0x01), "
                + "JSON ('{') nor CSV (no comma); the producer's headers (20004 bytes) were dropped; value of 1500000 bytes "
                + "truncated to 65536 (sha256 in original.sha256)");
        assertThat(header(r, DeadLetter.SOURCE_OFFSET)).isEqualTo("0");
        assertThat(aggregates.readKeyValuesToMap().get("s-1@2025-11-24T16:00:00Z").count()).isEqualTo(1);
    }

    @Test
    void shouldDeadLetterAValueItsWindowCannotAddUpFinitely() {
        send("s-1", T0, 8e307);
        send("s-1", T0 + 1, 8e307);
        send("s-1", T0 + 2, 8e307);   // the sum would be 2.4e308, beyond Double.MAX_VALUE

        TestRecord<Bytes, byte[]> r = deadLetters.readRecord();
        WindowResult w = aggregates.readKeyValuesToMap().get("s-1@2025-11-24T16:00:00Z");

        assertThat(header(r, DeadLetter.ERROR_TYPE)).isEqualTo("overflow");
        assertThat(header(r, DeadLetter.ERROR)).isEqualTo("overflow: adding value 8.0E307 would take its "
                + "window's sum, mean or variance beyond the range of a double");
        assertThat(w.count()).isEqualTo(2);
        assertThat(w.sum()).isEqualTo(1.6e308);
        assertThat(w.stddev()).isZero();
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void shouldKeepLiveWindowsForTenWindowLengthsOfStreamTimeAndForgetSensorsWithNone() {
        LiveWindows live = new LiveWindows();
        ProcessorConfig config = ProcessorConfig.defaults(KafkaConnection.of("unused:9092"), "", stateDir, 1);
        driver.close();
        driver = new TopologyTestDriver(PointTopology.build(config, stats, live), PointTopology.streamsProperties(config));
        points = driver.createInputTopic("points", new BytesSerializer(), new ByteArraySerializer());
        // Each minute, 100 sensors nobody sees again.
        for (int minute = 0; minute < 30; minute++) {
            for (int i = 0; i < 100; i++) {
                send("u-" + minute + "-" + i, T0 + minute * 60_000L, 1.0);
            }
        }

        // Stream time is in minute 29: minutes 19..29 are kept (the scan runs once per window length).
        assertThat(live.sensors()).isEqualTo(11 * 100);
        assertThat(live.windows()).isEqualTo(11 * 100);
        assertThat(live.windows("u-29-0", T0, Long.MAX_VALUE)).hasSize(1);
        assertThat(live.windows("u-0-0", T0, Long.MAX_VALUE)).isNull();

        driver.close();
        driver = null;
        assertThat(live.sensors()).as("a closed task's partition is dropped").isZero();
    }

    @Test
    void shouldHoldAPartitionForQueriesFromItsTasksInitToItsCloseWithOrWithoutWindows() {
        LiveWindows live = new LiveWindows();
        ProcessorConfig config = ProcessorConfig.defaults(KafkaConnection.of("unused:9092"), "", stateDir, 1);
        driver.close();
        driver = new TopologyTestDriver(PointTopology.build(config, stats, live), PointTopology.streamsProperties(config));

        // The test driver runs one task, for partition 0, and opens it at once: no point yet, no window.
        assertThat(live.holds(0)).isTrue();
        assertThat(live.holds(1)).isFalse();
        assertThat(live.windows()).isZero();

        driver.close();
        driver = null;
        assertThat(live.holds(0)).as("a closed task's partition is no longer held").isFalse();
    }

    @Test
    void shouldWriteEachChangedWindowAndStreamTimeToTheChangelogAndDeleteClosedWindows() {
        TestOutputTopic<Bytes, byte[]> changelog = driver.createOutputTopic(
                "kpipe-processor-agg-store-changelog", new BytesDeserializer(), new ByteArrayDeserializer());
        send("s-1", T0, 1.0);
        send("s-1", T0 + 1_000, 2.0);
        // Stream time T0+70s: window [T0, T0+60s) is closed by the 10 s grace.
        send("s-2", T0 + 70_000, 3.0);

        Map<Bytes, byte[]> last = changelog.readKeyValuesToMap();

        Bytes s1Window = Bytes.wrap(ByteBuffer.allocate(11).put(utf8("s-1")).putLong(T0).array());
        Bytes s2Window = Bytes.wrap(ByteBuffer.allocate(11).put(utf8("s-2")).putLong(T0 + 60_000).array());
        assertThat(last).containsOnlyKeys(s1Window, s2Window, WindowAggregateStore.STREAM_TIME_KEY);
        assertThat(last.get(s1Window)).as("closed window deleted (tombstone)").isNull();
        assertThat(Aggregate.readFrom(ByteBuffer.wrap(last.get(s2Window))).count()).isEqualTo(1);
        assertThat(ByteBuffer.wrap(last.get(WindowAggregateStore.STREAM_TIME_KEY)).getLong()).isEqualTo(T0 + 70_000);
        // The closed window's final value was published before it was dropped.
        assertThat(aggregates.readKeyValuesToMap().get("s-1@2025-11-24T16:00:00Z").count()).isEqualTo(2);
    }

    @Test
    void shouldEmitEachWindowOnceWhenItClosesInFinalMode() {
        start(ProcessorConfig.defaults(KafkaConnection.of("unused:9092"), "", stateDir, 1).toBuilder()
                .emit(ProcessorConfig.Emit.FINAL).build());
        TestOutputTopic<Bytes, byte[]> changelog = driver.createOutputTopic(
                "kpipe-processor-agg-store-changelog", new BytesDeserializer(), new ByteArrayDeserializer());
        send("s-1", T0, 1.0);
        send("s-1", T0 + 59_999, 3.0);
        // Stream time T0+69.999s: within the grace, so a point out of order still counts.
        send("s-2", T0 + 69_999, 5.0);
        send("s-1", T0 + 30_000, 2.0);

        assertThat(aggregates.isEmpty()).as("nothing emitted while the windows are open").isTrue();

        // Stream time T0+70s: [T0, T0+60s) closes, once, with every point of it.
        send("s-2", T0 + 70_000, 6.0);
        send("s-2", T0 + 75_000, 7.0);
        send("s-1", T0 + 10_000, 9.0);   // late now

        List<KeyValue<String, WindowResult>> emitted = aggregates.readKeyValuesToList();
        assertThat(emitted).containsExactly(KeyValue.pair("s-1@2025-11-24T16:00:00Z",
                new WindowResult("s-1", "unknown", null, T0, T0 + 60_000, 3, 6.0, 1.0, 3.0, 2.0, Math.sqrt(2.0 / 3), T0,
                        T0 + 59_999)));
        assertThat(deadLetters.readRecordsToList()).hasSize(1);
        assertThat(stats.late()).isEqualTo(1);
        Map<Bytes, byte[]> last = changelog.readKeyValuesToMap();
        Bytes s1Window = Bytes.wrap(ByteBuffer.allocate(11).put(utf8("s-1")).putLong(T0).array());
        Bytes s2Window = Bytes.wrap(ByteBuffer.allocate(11).put(utf8("s-2")).putLong(T0 + 60_000).array());
        assertThat(last).containsOnlyKeys(s1Window, s2Window, WindowAggregateStore.STREAM_TIME_KEY);
        assertThat(last.get(s1Window)).as("the closed window deleted (tombstone)").isNull();
        assertThat(Aggregate.readFrom(ByteBuffer.wrap(last.get(s2Window))).count()).isEqualTo(3);
    }

    @Test
    void shouldAnswerQueriesFromTheStoreForWindowsNotYetEmittedInFinalMode() {
        LiveWindows live = new LiveWindows();
        ProcessorConfig config = ProcessorConfig.defaults(KafkaConnection.of("unused:9092"), "", stateDir, 1).toBuilder()
                .emit(ProcessorConfig.Emit.FINAL).build();
        driver.close();
        driver = new TopologyTestDriver(PointTopology.build(config, stats, live), PointTopology.streamsProperties(config));
        points = driver.createInputTopic("points", new BytesSerializer(), new ByteArraySerializer());
        send("s-1", T0, 1.0);
        send("s-1", T0 + 1_000, 2.0);
        send("s-10", T0 + 2_000, 4.0);

        List<WindowResult> open = live.windows("s-1", Long.MIN_VALUE, Long.MAX_VALUE);
        assertThat(open).containsExactly(
                new WindowResult("s-1", "unknown", null, T0, T0 + 60_000, 2, 3.0, 1.0, 2.0, 1.5, 0.5, T0, T0 + 1_000));

        // The window closes and is published; the next one is read from the store.
        send("s-1", T0 + 70_000, 8.0);
        assertThat(live.windows("s-1", Long.MIN_VALUE, Long.MAX_VALUE)).extracting(WindowResult::windowStart, WindowResult::count)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(T0, 2L), org.assertj.core.groups.Tuple.tuple(T0 + 60_000, 1L));
        assertThat(live.windows("s-1", T0 + 60_000, T0 + 120_000)).extracting(WindowResult::count).containsExactly(1L);
        assertThat(live.windows("s-1", T0, T0 + 60_000)).extracting(WindowResult::count).containsExactly(2L);
        assertThat(live.windows("s-2", Long.MIN_VALUE, Long.MAX_VALUE)).isNull();

        driver.close();
        driver = null;
        assertThat(live.windows("s-1", Long.MIN_VALUE, Long.MAX_VALUE)).as("a closed task's partition is dropped").isNull();
    }

    @Test
    void shouldEnrichAggregatesFromTheRegistryAndCountPointsOfUnknownSensors() {
        devices.pipeInput("s-1", "{\"sensor\":\"s-1\",\"site\":\"plant-a\",\"type\":\"temperature\",\"unit\":\"C\"}");
        send("s-1", T0, 1.0);
        send("s-2", T0 + 1, 2.0);
        send("s-2", T0 + 2, 3.0);

        Map<String, WindowResult> last = aggregates.readKeyValuesToMap();

        assertThat(last.get("s-1@2025-11-24T16:00:00Z").site()).isEqualTo("plant-a");
        assertThat(last.get("s-1@2025-11-24T16:00:00Z").unit()).isEqualTo("C");
        assertThat(last.get("s-2@2025-11-24T16:00:00Z").site()).isEqualTo("unknown");
        assertThat(last.get("s-2@2025-11-24T16:00:00Z").unit()).isNull();
        assertThat(last.get("s-2@2025-11-24T16:00:00Z").count()).isEqualTo(2);
        assertThat(stats.unknownSensor()).isEqualTo(2);
        assertThat(alerts.isEmpty()).isTrue();
    }

    @Test
    void shouldPickUpADeviceRegisteredAfterItsWindowOpened() {
        send("s-3", T0, 1.0);
        devices.pipeInput("s-3", "{\"sensor\":\"s-3\",\"site\":\"plant-b\",\"unit\":\"kPa\"}");
        send("s-3", T0 + 1, 2.0);

        List<WindowResult> updates = aggregates.readValuesToList();

        assertThat(updates).extracting(WindowResult::site).containsExactly("unknown", "plant-b");
    }

    /**
     * The sensor's entry is kept across its windows, and looked up again only after the registry
     * changed: a change still applies to the windows opened after it (here while the sensor's
     * previous window is still open), and not to the window already open.
     */
    @Test
    void shouldApplyADeviceChangeToTheWindowsOpenedAfterItAndNotToTheOpenOne() {
        devices.pipeInput("s-1", "{\"sensor\":\"s-1\",\"site\":\"plant-a\",\"max\":10.0}");
        devices.pipeInput("s-2", "{\"sensor\":\"s-2\",\"site\":\"plant-c\"}");
        send("s-1", T0, 5.0);
        send("s-2", T0, 5.0);
        devices.pipeInput("s-1", "{\"sensor\":\"s-1\",\"site\":\"plant-b\",\"max\":100.0}");
        send("s-1", T0 + 1_000, 50.0);            // the open window keeps plant-a and its max 10: an alert
        send("s-1", T0 + 60_000, 50.0);           // the next window: plant-b, max 100
        send("s-2", T0 + 60_000, 6.0);            // s-2 did not change
        send("s-1", T0 + 2_000, 7.0);             // the first window, within the grace: still plant-a
        devices.pipeInput("s-1", (String) null);  // deleted from the registry
        send("s-1", T0 + 60_001, 8.0);            // an open window: unchanged
        send("s-1", T0 + 120_000, 9.0);           // the window after: unknown

        Map<Long, List<String>> sites = new java.util.TreeMap<>();
        for (WindowResult w : aggregates.readValuesToList()) {
            sites.computeIfAbsent(w.windowStart(), k -> new ArrayList<>()).add(w.sensor() + " " + w.site());
        }
        assertThat(sites).containsExactly(
                Map.entry(T0, List.of("s-1 plant-a", "s-2 plant-c", "s-1 plant-a", "s-1 plant-a")),
                Map.entry(T0 + 60_000, List.of("s-1 plant-b", "s-2 plant-c", "s-1 plant-b")),
                Map.entry(T0 + 120_000, List.of("s-1 unknown")));
        assertThat(alerts.readKeyValuesToList()).containsExactly(
                new KeyValue<>("s-1", new Alert("s-1", "plant-a", "max", 50.0, 10.0, T0 + 1_000)));
        assertThat(stats.unknownSensor()).isEqualTo(1);
    }

    @Test
    void shouldAlertOncePerPointOutsideItsSensorsThresholds() {
        devices.pipeInput("s-1", "{\"sensor\":\"s-1\",\"site\":\"plant-a\",\"min\":10.0,\"max\":20.0}");
        send("s-1", T0, 5.0);
        send("s-1", T0 + 1, 15.0);
        send("s-1", T0 + 2, 25.0);
        send("s-1", T0 + 3, 20.0);

        assertThat(alerts.readKeyValuesToList()).containsExactly(
                new KeyValue<>("s-1", new Alert("s-1", "plant-a", "min", 5.0, 10.0, T0)),
                new KeyValue<>("s-1", new Alert("s-1", "plant-a", "max", 25.0, 20.0, T0 + 2)));
        assertThat(stats.alerts()).isEqualTo(2);
        assertThat(aggregates.readKeyValuesToMap().get("s-1@2025-11-24T16:00:00Z").count()).isEqualTo(4);
    }

    @Test
    void shouldAlertOnAPointFarFromItsWindowsMeanWhenTheZscoreRuleIsOn() {
        start(ProcessorConfig.builder(KafkaConnection.of("unused:9092"), "", stateDir, 1).zscore(4).build());
        for (int i = 0; i < 10; i++) {
            send("s-1", T0 + i, i % 2 == 0 ? 10.0 : 12.0);   // mean 11, standard deviation 1
        }
        send("s-1", T0 + 10, 13.0);    // 2 deviations: no alert
        send("s-1", T0 + 11, 30.0);    // about 17 deviations: an alert

        assertThat(alerts.readValuesToList()).containsExactly(new Alert("s-1", "unknown", "zscore", 30.0, 4.0, T0 + 11));
    }

    @Test
    void shouldSkipAndCountARegistryEntryThatIsNotADevice() {
        devices.pipeInput("s-1", "not json");
        devices.pipeInput("s-2", "{\"sensor\":\"s-9\",\"site\":\"x\"}");
        devices.pipeInput("s-3", "{\"sensor\":\"s-3\"}");
        send("s-1", T0, 1.0);

        assertThat(stats.devicesRejected()).isEqualTo(3);
        assertThat(aggregates.readKeyValuesToMap().get("s-1@2025-11-24T16:00:00Z").site()).isEqualTo("unknown");
    }

    private void send(String sensor, long ts, double value) {
        points.pipeInput(key(sensor), BinaryPoint.encode(ts, value), Instant.ofEpochMilli(ts));
    }

    private static Bytes key(String s) {
        return Bytes.wrap(utf8(s));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(TestRecord<?, ?> r, String name) {
        return DeadLetter.text(r.headers(), name);
    }
}
