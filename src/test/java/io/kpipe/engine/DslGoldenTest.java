package io.kpipe.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kpipe.config.Engine;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.engine.SparkEngineIT.GoldenInput;
import io.kpipe.model.BinaryPoint;
import io.kpipe.model.DeadLetter;
import io.kpipe.model.WindowResult;
import io.kpipe.model.WindowResultSerde;
import io.kpipe.process.DslTopology;
import io.kpipe.process.LiveWindows;
import io.kpipe.process.PointTopology;
import io.kpipe.process.ProcessingStats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same golden input (3 sensors in 3 formats, invalid points of every kind, a future one, points
 * out of order within the grace, points late by a little and by ten minutes) through kpipe's topology
 * and the plain DSL one ({@code --engine dsl}) gives the same final windows and the same dead letters,
 * reasons included: the DSL front's late rule is the DSL window's, and on this input both keep the
 * same stream time. Sums, means and standard deviations agree within a relative {@value #TOLERANCE}
 * (both add the points in the same order, so in fact they are equal).
 */
class DslGoldenTest {
    static final double TOLERANCE = 1e-12;

    @TempDir
    Path dir;

    /** Results of one topology over the golden input. */
    private record Outcome(Map<String, WindowResult> windows, List<String> deadLetters, long late, long invalid,
                           long processed) {}

    @Test
    void shouldGiveTheSameFinalWindowsAndDeadLettersAsKpipesTopology() {
        long now = 1_764_000_003_000L;
        Outcome streams = run(Engine.STREAMS, now, input(now));
        Outcome dsl = run(Engine.DSL, now, input(now));

        assertThat(dsl.windows().keySet()).isEqualTo(streams.windows().keySet()).hasSizeGreaterThanOrEqualTo(9);
        for (Map.Entry<String, WindowResult> e : streams.windows().entrySet()) {
            WindowResult a = e.getValue();
            WindowResult b = dsl.windows().get(e.getKey());
            assertThat(List.of(b.sensor(), b.site(), String.valueOf(b.unit()), b.windowStart(), b.windowEnd(), b.count(),
                    b.min(), b.max(), b.firstTs(), b.lastTs())).as(e.getKey())
                    .isEqualTo(List.of(a.sensor(), a.site(), String.valueOf(a.unit()), a.windowStart(), a.windowEnd(),
                            a.count(), a.min(), a.max(), a.firstTs(), a.lastTs()));
            assertThat(b.sum()).as(e.getKey()).isCloseTo(a.sum(), within(Math.abs(a.sum()) * TOLERANCE));
            assertThat(b.mean()).as(e.getKey()).isCloseTo(a.mean(), within(Math.abs(a.mean()) * TOLERANCE));
            assertThat(b.stddev()).as(e.getKey()).isCloseTo(a.stddev(), within(Math.abs(a.stddev()) * TOLERANCE + 1e-15));
        }
        assertThat(dsl.windows().values().stream().mapToLong(WindowResult::count).sum())
                .isEqualTo(GoldenInput.VALID_FIRST_PHASE + OUT_OF_ORDER);
        assertThat(dsl.windows().values().stream().filter(w -> w.sensor().equals("s-1")))
                .allSatisfy(w -> assertThat(w.site()).isEqualTo("plant-a"));

        assertThat(dsl.deadLetters()).containsExactlyElementsOf(streams.deadLetters())
                .hasSize(GoldenInput.INVALID + GoldenInput.FUTURE + GoldenInput.LATE + LATE_BY_LITTLE);
        assertThat(dsl.deadLetters()).filteredOn(l -> l.startsWith("late ")).hasSize(GoldenInput.LATE + LATE_BY_LITTLE);
        assertThat(List.of(dsl.late(), dsl.invalid(), dsl.processed()))
                .isEqualTo(List.of(streams.late(), streams.invalid(), streams.processed()))
                .isEqualTo(List.of((long) GoldenInput.LATE + LATE_BY_LITTLE, (long) GoldenInput.INVALID + GoldenInput.FUTURE,
                        (long) input(now).size() - GoldenInput.devices().size()));
    }

    @Test
    void shouldDeadLetterValuesBeyondTheBoundAsOverflowWhereKpipeAggregatesThem() {
        long now = 1_764_000_003_000L;
        List<ProducerRecord<byte[], byte[]>> in = List.of(
                point("s-1", BinaryPoint.encode(now - 1_000, 1e120), now),
                point("s-1", BinaryPoint.encode(now - 900, 2.0), now));
        Outcome streams = run(Engine.STREAMS, now, in);
        Outcome dsl = run(Engine.DSL, now, in);

        assertThat(streams.windows().values()).singleElement().satisfies(w -> assertThat(w.count()).isEqualTo(2));
        assertThat(dsl.windows().values()).singleElement().satisfies(w -> assertThat(w.count()).isEqualTo(1));
        assertThat(dsl.deadLetters()).singleElement().satisfies(l -> assertThat(l)
                .startsWith("overflow ").contains("p0@0 overflow: value 1.0E120 is beyond ±1.0E100"));
        assertThat(streams.deadLetters()).isEmpty();
    }

    static final int OUT_OF_ORDER = 2;
    static final int LATE_BY_LITTLE = 1;

    /**
     * Devices, the first golden phase, two points out of order but within the grace, one late by a
     * little (its window ended more than the grace before stream time), then the ten-minute late ones.
     */
    private static List<ProducerRecord<byte[], byte[]>> input(long now) {
        List<ProducerRecord<byte[], byte[]>> in = new ArrayList<>(GoldenInput.devices());
        in.addAll(GoldenInput.firstPhase(now));
        in.add(point("s-2", BinaryPoint.encode(now - 4_400, 7.75), now));
        in.add(point("s-3", ("{\"sensor\":\"s-3\",\"ts\":" + (now - 9_000) + ",\"value\":-3.5}").getBytes(StandardCharsets.UTF_8),
                now));
        in.add(point("s-1", ("s-1," + (now - 13_000) + ",4.25").getBytes(StandardCharsets.UTF_8), now));
        in.addAll(GoldenInput.secondPhase(now));
        return in;
    }

    private Outcome run(Engine engine, long now, List<ProducerRecord<byte[], byte[]>> input) {
        ProcessorConfig config = ProcessorConfig.builder(KafkaConnection.of("unused:9092"), "",
                        dir.resolve(engine.flagName()), 1)
                .windowSize(GoldenInput.WINDOW)
                .engine(engine)
                .build();
        ProcessingStats stats = new ProcessingStats();
        Topology topology = engine == Engine.DSL ? DslTopology.build(config, stats, new LiveWindows())
                : PointTopology.build(config, stats);
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, PointTopology.streamsProperties(config),
                Instant.ofEpochMilli(now))) {
            Map<String, TestInputTopic<byte[], byte[]>> inputs = Map.of(
                    "points", driver.createInputTopic("points", new ByteArraySerializer(), new ByteArraySerializer()),
                    "devices", driver.createInputTopic("devices", new ByteArraySerializer(), new ByteArraySerializer()));
            for (ProducerRecord<byte[], byte[]> r : input) {
                inputs.get(r.topic()).pipeInput(new TestRecord<>(r.key(), r.value(), r.headers(),
                        Instant.ofEpochMilli(r.timestamp() == null ? now : r.timestamp())));
            }
            TestOutputTopic<String, WindowResult> aggregates = driver.createOutputTopic("points-agg-1m",
                    new org.apache.kafka.common.serialization.StringDeserializer(), new WindowResultSerde());
            TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic("points-dlq", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            Map<String, WindowResult> windows = new TreeMap<>(aggregates.readKeyValuesToMap());
            List<String> letters = new ArrayList<>();
            for (TestRecord<byte[], byte[]> r : dlq.readRecordsToList()) {
                letters.add(DeadLetter.text(r.headers(), DeadLetter.ERROR_TYPE) + " "
                        + (r.key() == null ? "null" : HexFormat.of().formatHex(r.key())) + " "
                        + HexFormat.of().formatHex(r.value()) + " p" + DeadLetter.text(r.headers(), DeadLetter.SOURCE_PARTITION)
                        + "@" + DeadLetter.text(r.headers(), DeadLetter.SOURCE_OFFSET) + " "
                        + DeadLetter.text(r.headers(), DeadLetter.ERROR));
            }
            return new Outcome(windows, letters, stats.late(), stats.invalid(), stats.processed());
        }
    }

    private static ProducerRecord<byte[], byte[]> point(String key, byte[] value, long timestamp) {
        return new ProducerRecord<>("points", null, timestamp, key.getBytes(StandardCharsets.UTF_8), value);
    }
}
