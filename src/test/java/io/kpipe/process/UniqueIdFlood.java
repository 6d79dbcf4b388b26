package io.kpipe.process;

import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.lifecycle.TempDir;
import io.kpipe.model.BinaryPoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * Streams {@code args[0]} points, each from a sensor id never seen before, {@code args[1]} of them a
 * minute, through the real topology, then prints what the in-memory structures hold:
 * {@code points=N aggregated=N liveSensors=N liveWindows=N}. Run in a JVM with a small heap by
 * {@link UniqueIdFloodTest}: anything kept per id forever ends it with an OutOfMemoryError.
 */
public final class UniqueIdFlood {
    private static final long T0 = 1_764_000_000_000L;

    public static void main(String[] args) throws Exception {
        long total = Long.parseLong(args[0]);
        int perMinute = Integer.parseInt(args[1]);
        try (TempDir state = new TempDir("kpipe-flood-")) {
            flood(total, perMinute, state.path());
        }
    }

    private static void flood(long total, int perMinute, Path state) {
        // Serving queries, as kpipe process does by default: closed windows stay in the changelog for them.
        ProcessorConfig config = ProcessorConfig.defaults(KafkaConnection.of("unused:9092"), "", state, 1).toBuilder()
                .applicationServer("127.0.0.1:8080").build();
        ProcessingStats stats = new ProcessingStats();
        LiveWindows live = new LiveWindows();
        try (TopologyTestDriver driver = new TopologyTestDriver(PointTopology.build(config, stats, live),
                PointTopology.streamsProperties(config))) {
            TestInputTopic<Bytes, byte[]> points = driver.createInputTopic("points", new BytesSerializer(),
                    new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> aggregates = driver.createOutputTopic("points-agg-1m",
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> changelog = driver.createOutputTopic("kpipe-processor-agg-store-changelog",
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            long aggregated = 0;
            for (long i = 0; i < total; i++) {
                long ts = T0 + (i / perMinute) * 60_000L + i % 1000;
                byte[] key = ("flood-" + i).getBytes(StandardCharsets.UTF_8);
                points.pipeInput(Bytes.wrap(key), BinaryPoint.encode(ts, 1.0), Instant.ofEpochMilli(ts));
                if (i % 10_000 == 9_999) {
                    // The test driver keeps what the topology wrote until it is read.
                    aggregated += aggregates.readRecordsToList().size();
                    changelog.readRecordsToList();
                }
            }
            aggregated += aggregates.readRecordsToList().size();
            System.out.printf("points=%d aggregated=%d liveSensors=%d liveWindows=%d%n", stats.processed(),
                    aggregated, live.sensors(), live.windows());
        }
    }
}
