package io.kpipe.generate;

import io.kpipe.config.GeneratorConfig;
import io.kpipe.model.BinaryPoint;
import io.kpipe.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The load generator: binary points for sensors {@code s-0 .. s-(K-1)}, event time now, at a fixed
 * rate or as fast as the cluster takes them, with malformed and late points mixed in on demand.
 * At a fixed rate it catches up at most 10% above it after falling behind, never in a burst ({@link Pacer}).
 *
 * <p>Usage: {@code try (Generator g = new Generator(config)) { GeneratorResult r = g.run(); }}
 *
 * <p>The producer is {@code acks=all} and idempotent; counts are of acknowledged points only.
 */
public final class Generator implements AutoCloseable {
    /** Points sent per pacing slice at most; the clock is read once per slice. */
    private static final int SLICE = 512;

    private final GeneratorConfig config;
    private final String topic;
    private final Producer<byte[], byte[]> producer;
    private final byte[][] keys;
    private final Counter valid = new Counter();
    private final Counter invalid = new Counter();
    private final Counter late = new Counter();
    private final AtomicLong failed = new AtomicLong();
    private final KeyTally tally;
    private volatile boolean stopRequested;

    public Generator(GeneratorConfig config) {
        this.config = config;
        this.topic = Topics.withPrefix(config.topicPrefix()).points().name();
        this.producer = new KafkaProducer<>(config.kafka().clientProperties(producerTuning()),
                new ByteArraySerializer(), new ByteArraySerializer());
        this.tally = new KeyTally(config.sensors(), GeneratorConfig.TALLY_WINDOW.toMillis());
        this.keys = new byte[config.sensors()][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = sensorName(i).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Its producer, for metrics. */
    public Producer<byte[], byte[]> producer() {
        return producer;
    }

    /** The id of sensor {@code index}: {@code s-<index>}. */
    public static String sensorName(int index) {
        return "s-" + index;
    }

    /** Producer settings for throughput without giving up durability. */
    public static Map<String, Object> producerTuning() {
        return Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
    }

    /** Sends until the configured points or duration are done, or {@link #stop()}; then flushes. */
    public GeneratorResult run() {
        long startNanos = System.nanoTime();
        long endNanos = config.bounded() ? Long.MAX_VALUE : startNanos + config.duration().toNanos();
        long limit = config.bounded() ? config.points() : Long.MAX_VALUE;
        Slice slice = new Slice();
        Pacer pacer = config.rate() == GeneratorConfig.MAX_RATE ? null : new Pacer(config.rate(), startNanos);
        try {
            long sent = 0;
            while (sent < limit && !stopRequested) {
                long now = System.nanoTime();
                if (now >= endNanos) {
                    break;
                }
                long allowed = pacer == null ? SLICE : pacer.allowed(now, SLICE);
                if (allowed <= 0) {
                    LockSupport.parkNanos(200_000);
                    continue;
                }
                allowed = Math.min(allowed, limit - sent);
                slice.send((int) allowed, System.currentTimeMillis());
                sent += allowed;
                if (pacer != null) {
                    pacer.sent(allowed);
                }
            }
            producer.flush();
        } catch (IllegalStateException closed) {
            // close() during a shutdown (Ctrl-C) closed the producer under the send loop.
            if (!stopRequested) {
                throw closed;
            }
        }
        return new GeneratorResult(valid.acked() + late.acked(), invalid.acked(), late.acked(), failed.get(),
                pacer == null || config.bounded() ? 0 : pacer.behind(Math.min(System.nanoTime(), endNanos)),
                Duration.ofNanos(System.nanoTime() - startNanos), tally);
    }

    /** Sends points in slices of one event time, choosing for each whether it is valid, late or invalid. */
    private final class Slice {
        private final SplittableRandom random = new SplittableRandom(config.seed());
        private final List<InvalidPoints.Sample> invalidSamples = InvalidPoints.samples(System.currentTimeMillis());
        private final double invalidBelow = config.invalidRatio();
        private final double lateBelow = invalidBelow + config.lateRatio();
        private final long lateByMs = GeneratorConfig.LATE_BY.toMillis();
        // The producer copies key and value into its batch within send(), so one buffer serves all.
        private final byte[] value = new byte[BinaryPoint.SIZE];
        private int nextInvalid;

        void send(int n, long eventTime) {
            KeyTally.Window onTime = tally.window(eventTime);
            KeyTally.Window lateWindow = null;
            for (int i = 0; i < n; i++) {
                double dice = random.nextDouble();
                if (dice < invalidBelow) {
                    InvalidPoints.Sample s = invalidSamples.get(nextInvalid++ % invalidSamples.size());
                    producer.send(new ProducerRecord<>(topic, s.key(), s.value()), invalid);
                } else {
                    int sensor = random.nextInt(keys.length);
                    boolean isLate = dice < lateBelow;
                    long ts = isLate ? eventTime - lateByMs : eventTime;
                    BinaryPoint.encode(ts, random.nextDouble() * 100, value);
                    Callback ack;
                    if (isLate) {
                        lateWindow = lateWindow != null ? lateWindow : tally.window(ts);
                        ack = lateWindow.callback(sensor, late, true);
                    } else {
                        ack = onTime.callback(sensor, valid, false);
                    }
                    producer.send(new ProducerRecord<>(topic, keys[sensor], value), ack);
                }
            }
        }
    }

    /** Points acknowledged so far, of every kind; safe to call from any thread. */
    public long acked() {
        return valid.acked() + invalid.acked() + late.acked();
    }

    /** Makes {@link #run()} stop sending and return. */
    public void stop() {
        stopRequested = true;
    }

    @Override
    public void close() {
        stop();
        producer.close(Duration.ofSeconds(30));
    }

    /**
     * Counts acknowledgements of one kind of point. Callbacks run on the producer's single I/O
     * thread, so a plain increment published with release semantics is enough.
     */
    final class Counter implements Callback {
        private final AtomicLong acked = new AtomicLong();

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception == null) {
                acked.lazySet(acked.get() + 1);
            } else {
                failed.incrementAndGet();
            }
        }

        /** Counts an acknowledgement (on the producer's I/O thread) without a per-record callback object. */
        void count(Exception exception) {
            onCompletion(null, exception);
        }

        long acked() {
            return acked.get();
        }
    }
}
