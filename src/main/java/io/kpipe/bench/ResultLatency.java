package io.kpipe.bench;

import io.kpipe.config.KafkaConnection;
import io.kpipe.model.WindowResult;
import io.kpipe.model.WindowResultSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The latency a downstream reader sees: from a point's send to a result that holds it being readable
 * on {@code points-agg-1m} by a {@code read_committed} consumer. A thread of its own reads the topic
 * from its start while the trial runs (no consumer group: it assigns itself every partition).
 *
 * <p>Each window update adds {@code count - previous count} points to what a reader can see. The
 * generator stamps a point with its send time, so those points were sent between the previous
 * update's {@code last_ts} (for the window's first update: its {@code first_ts}) and this update's
 * {@code last_ts}; they are recorded as spread evenly over that interval ({@value #SLICES} slices at
 * most), each with latency = read time - send time. Only points sent after the warm-up count, the
 * start of sending being the earliest {@code first_ts} read. An update that adds nothing (a result
 * written again) records nothing. Also kept: when the first result was read.
 *
 * <pre>{@code
 * try (ResultLatency r = ResultLatency.start(kafka, "points-agg-1m", Duration.ofSeconds(20))) {
 *     ... run the trial ...
 *     r.awaitEnd(Duration.ofSeconds(30));
 *     long p99 = r.histogram().getValueAtPercentile(99);
 * }
 * }</pre>
 */
final class ResultLatency implements AutoCloseable {
    static final int SLICES = 8;
    private static final long MAX_MS = 3_600_000;

    private final KafkaConnection kafka;
    private final String topic;
    private final long warmupMs;
    private final Histogram histogram = new Histogram(MAX_MS, 3);
    /** Per window key: {count, last_ts} of its latest update read. */
    private final Map<String, long[]> seen = new HashMap<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile Throwable failure;
    private long origin = Long.MAX_VALUE;
    private long firstReadMs = -1;
    private long records;
    private volatile boolean endRequested;
    private volatile boolean caughtUp;
    private Map<TopicPartition, Long> ends;

    private ResultLatency(KafkaConnection kafka, String topic, Duration warmup) {
        this.kafka = kafka;
        this.topic = topic;
        this.warmupMs = warmup.toMillis();
        this.thread = new Thread(this::read, "kpipe-bench-result-reader");
        thread.setDaemon(true);
    }

    /** A reader that reads nothing: for tests of {@link #add}. */
    static ResultLatency forTest(long warmupMs) {
        return new ResultLatency(null, "none", Duration.ofMillis(warmupMs));
    }

    static ResultLatency start(KafkaConnection kafka, String topic, Duration warmup) {
        ResultLatency r = new ResultLatency(kafka, topic, warmup);
        r.thread.start();
        return r;
    }

    private void read() {
        var props = kafka.clientProperties(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer()); WindowResultSerde serde = new WindowResultSerde()) {
            List<TopicPartition> parts = List.of();
            while (!stop && parts.isEmpty()) {
                // The run creates the topic: wait for it rather than subscribe to a topic that is not there.
                try {
                    parts = consumer.partitionsFor(topic, Duration.ofSeconds(1)).stream()
                            .map(p -> new TopicPartition(topic, p.partition())).toList();
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    parts = List.of();
                }
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            while (!stop) {
                var batch = consumer.poll(Duration.ofMillis(200));
                long now = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    WindowResult w;
                    try {
                        w = serde.deserialize(topic, r.value());
                    } catch (SerializationException e) {
                        continue;
                    }
                    if (w == null) {
                        continue;
                    }
                    synchronized (this) {
                        add(new String(r.key(), StandardCharsets.UTF_8), w.count(), w.firstTs(), w.lastTs(), now);
                    }
                }
                if (endRequested && ends == null) {
                    ends = consumer.endOffsets(parts);   // read_committed: the last stable offsets
                }
                if (ends != null && !caughtUp) {
                    boolean all = true;
                    for (TopicPartition p : parts) {
                        all &= consumer.position(p) >= ends.get(p);
                    }
                    caughtUp = all;
                }
            }
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    /** One window update read at {@code readMs}. */
    synchronized void add(String key, long count, long firstTs, long lastTs, long readMs) {
        records++;
        if (firstReadMs < 0) {
            firstReadMs = readMs;
        }
        origin = Math.min(origin, firstTs);
        long[] before = seen.get(key);
        long added = count - (before == null ? 0 : before[0]);
        long from = before == null ? firstTs : before[1];
        if (before == null) {
            seen.put(key, new long[] {count, lastTs});
        } else if (added > 0) {
            before[0] = count;
            before[1] = lastTs;
        }
        if (added > 0) {
            record(histogram, added, from, lastTs, readMs, origin + warmupMs);
        }
    }

    /**
     * Records {@code points} sent evenly over {@code [from, to]} and read at {@code readMs}: up to
     * {@value #SLICES} slices, each at its middle; slices sent before {@code countFrom} are left out.
     */
    static void record(Histogram h, long points, long from, long to, long readMs, long countFrom) {
        int slices = (int) Math.min(SLICES, points);
        long each = points / slices;
        long rest = points % slices;
        for (int i = 0; i < slices; i++) {
            long sent = from + Math.round((to - from) * (i + 0.5) / slices);
            long n = each + (i < rest ? 1 : 0);
            if (sent >= countFrom) {
                h.recordValueWithCount(Math.max(0, Math.min(MAX_MS, readMs - sent)), n);
            }
        }
    }

    /**
     * Waits until the reader has read every partition to its end as of this call (read_committed: the
     * last stable offsets), at most {@code timeout}; false if it could not.
     */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        endRequested = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!caughtUp && failure == null && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return caughtUp;
    }

    /** Latencies of the points sent after the warm-up, as they became readable. */
    synchronized Histogram histogram() {
        return histogram.copy();
    }

    /** When the first result was read (epoch ms), or -1. */
    synchronized long firstReadMs() {
        return firstReadMs;
    }

    /** The start of sending as the results show it: the earliest {@code first_ts} read; Long.MAX_VALUE if none. */
    synchronized long origin() {
        return origin;
    }

    /** Window updates read. */
    synchronized long records() {
        return records;
    }

    /** Why the reader stopped early, or null. */
    Throwable failure() {
        return failure;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(10_000);
    }
}
