package io.kpipe.run;

import io.kpipe.config.KafkaConnection;
import io.kpipe.model.DeadLetter;
import io.kpipe.model.MalformedPointException;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import io.kpipe.model.WindowResult;
import io.kpipe.process.WindowAggregateStore;
import io.kpipe.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what the pipeline wrote, as a downstream consumer would ({@code read_committed}), and
 * totals it: the final value of every window (the last record per key) and the dead letters by type.
 *
 * <p>Under {@code --emit final} a window reaches {@code points-agg-1m} only when stream time passes
 * its end plus the grace, so at the end of a run the last windows of every sensor are still open:
 * their points are in the processor's state, not on the topic. {@link #withOpenWindowsOf} makes the
 * reconciliation read them from the state's changelog (read_committed, to its end: the state as of
 * the processor's last commit, which is what a restarted processor would restore and later emit).
 */
public final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    private static final Duration POLL = Duration.ofMillis(500);
    /** The least wait for an undecided transaction ({@link #undecidedTimeout}). */
    private static final Duration UNDECIDED_TIMEOUT = Duration.ofSeconds(120);

    /**
     * Totals of the output topics, plus the final count of every window ({@code <sensor>@<start>})
     * and the valid points the window rules set aside (late, future, overflow) per window they belong to.
     *
     * @param invalid        dead letters that are not late: not points, future, overflow and processing errors
     * @param notPoints      dead letters of records that are not points (type invalid or error)
     * @param setAsideByWindow valid points dead-lettered by the window rules, per window
     * @param unattributed   such dead letters whose window cannot be told (their copy was truncated)
     * @param pointsRecords  records on {@code points} (read_committed end offsets): everything that came in
     * @param openCounts     windows still open in the processor's state (final mode), by key, with their counts;
     *                       {@code windows}, {@code aggregatedCount} and {@code finalCounts} are those on the topic
     * @param emittedTwice   windows with more than one record on {@code points-agg-1m} (under final mode and
     *                       exactly-once: none)
     */
    public record Output(long windows, long aggregatedCount, long invalid, long late, long future, long overflow,
                         long notPoints, Map<String, Long> finalCounts, Map<String, Long> setAsideByWindow,
                         long unattributed, long alerts, long pointsRecords, Map<String, Long> openCounts,
                         long emittedTwice) {

        /** The books of a run with every window on the topic (updates mode). */
        public Output(long windows, long aggregatedCount, long invalid, long late, long future, long overflow,
                      long notPoints, Map<String, Long> finalCounts, Map<String, Long> setAsideByWindow,
                      long unattributed, long alerts, long pointsRecords) {
            this(windows, aggregatedCount, invalid, late, future, overflow, notPoints, finalCounts, setAsideByWindow,
                    unattributed, alerts, pointsRecords, Map.of(), 0);
        }

        /** Every record of {@code points} has exactly one outcome: aggregated, or one dead letter. */
        public long outcomes() {
            return aggregatedCount + openAggregated() + late + invalid;
        }

        /** Points in the windows still open in the processor's state. */
        public long openAggregated() {
            return openCounts.values().stream().mapToLong(Long::longValue).sum();
        }

        /**
         * A window's count: on the topic, or still open in the state (a window in both is counted twice;
         * a closed window the state keeps for queries is not in {@code openCounts} if the topic has it
         * with the same count).
         */
        public long count(String window) {
            return finalCounts.getOrDefault(window, 0L) + openCounts.getOrDefault(window, 0L);
        }
    }

    private final KafkaConnection kafka;
    private final Topics topics;

    private final long windowMs;
    private String openWindowsTopic;
    private long graceMs;

    public Reconciler(KafkaConnection kafka, Topics topics, long windowMs) {
        this.kafka = kafka;
        this.topics = topics;
        this.windowMs = windowMs;
    }

    /**
     * Also reads the windows still open in the state of the processor {@code applicationId} from its
     * store's changelog ({@code --emit final}: they are not on {@code points-agg-1m} yet).
     */
    public Reconciler withOpenWindowsOf(String applicationId, long graceMs) {
        this.openWindowsTopic = WindowAggregateStore.changelogTopic(applicationId);
        this.graceMs = graceMs;
        return this;
    }

    public Output read() {
        Map<String, Long> finalCounts = new HashMap<>();
        long[] aggregateRecords = new long[1];
        Deserializer<WindowResult> serde = topics.aggregates().valueSerde().deserializer();
        readAll(topics.aggregates().name(), r -> {
            aggregateRecords[0]++;
            WindowResult w;
            try {
                w = serde.deserialize(r.topic(), r.value());
            } catch (org.apache.kafka.common.errors.SerializationException e) {
                // Not from the processor (another producer wrote it): a window of no points, which
                // the sink rejects; the books then find it in sink_rejects.
                w = null;
            }
            finalCounts.put(new String(r.key(), StandardCharsets.UTF_8), w == null ? 0 : w.count());
        });
        Map<DeadLetter.Type, Long> dead = new EnumMap<>(DeadLetter.Type.class);
        long[] unattributed = new long[1];
        Map<String, Long> setAside = new HashMap<>();
        PointDecoder decoder = new PointDecoder();
        MutablePoint point = new MutablePoint();
        readAll(topics.deadLetters().name(), r -> {
            DeadLetter.Type t = DeadLetter.Type.of(r.headers());
            dead.merge(t == null ? DeadLetter.Type.INVALID : t, 1L, Long::sum);
            if (t != null && t.validPoint()) {
                // A point set aside by the window rules was valid: decoding it again gives its sensor and window.
                try {
                    decoder.decode(r.key(), r.value(), r.timestamp(), point);
                } catch (MalformedPointException e) {
                    unattributed[0]++;   // its copy was cut to the dead-letter size bound
                    return;
                }
                long start = point.timestamp() - Math.floorMod(point.timestamp(), windowMs);
                setAside.merge(WindowResult.key(new String(r.key(), StandardCharsets.UTF_8), start), 1L, Long::sum);
            }
        });
        long[] alerts = new long[1];
        readAll(topics.alerts().name(), r -> alerts[0]++);
        Map<String, Long> open = new HashMap<>();
        long emittedTwice = 0;
        if (openWindowsTopic != null) {
            // The changelog also keeps closed windows for queries (those its partition's stream time
            // closes): each was emitted, and is left out here if the topic has it with the same count.
            // Anything else stays, so a window both open and on the topic is counted twice, as before.
            Map<String, long[]> startAndPartition = new HashMap<>();
            Map<Integer, Long> streamTimes = new HashMap<>();
            readAll(openWindowsTopic, r -> {
                if (r.key() != null && r.key().length == 0 && r.value() != null && r.value().length == Long.BYTES) {
                    streamTimes.put(r.partition(), java.nio.ByteBuffer.wrap(r.value()).getLong());
                    return;
                }
                String window = WindowAggregateStore.foldCounts(r.key(), r.value(), open);
                if (window != null) {
                    startAndPartition.put(window, new long[] {WindowAggregateStore.windowStart(r.key()), r.partition()});
                }
            });
            open.entrySet().removeIf(e -> {
                long[] sp = startAndPartition.get(e.getKey());
                long streamTime = streamTimes.getOrDefault((int) sp[1], -1L);
                boolean closed = streamTime >= 0 && sp[0] <= streamTime - graceMs - windowMs;
                return closed && e.getValue().equals(finalCounts.get(e.getKey()));
            });
            // Only final mode promises one record per window; under updates every commit adds one.
            emittedTwice = aggregateRecords[0] - finalCounts.size();
        }
        long sum = finalCounts.values().stream().mapToLong(Long::longValue).sum();
        long late = dead.getOrDefault(DeadLetter.Type.LATE, 0L);
        long all = dead.values().stream().mapToLong(Long::longValue).sum();
        return new Output(finalCounts.size(), sum, all - late, late, dead.getOrDefault(DeadLetter.Type.FUTURE, 0L),
                dead.getOrDefault(DeadLetter.Type.OVERFLOW, 0L),
                dead.getOrDefault(DeadLetter.Type.INVALID, 0L) + dead.getOrDefault(DeadLetter.Type.ERROR, 0L),
                finalCounts, setAside, unattributed[0], alerts[0], records(topics.points().name()), open, emittedTwice);
    }

    /**
     * Records ever written to a topic that started empty (kpipe run requires it): the sum of its end
     * offsets. Not end less beginning: the retention of {@code points} may be shorter than the run
     * and delete its oldest segments, which moves the beginning but not what was written.
     */
    private long records(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            return consumer.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return consumer(kafka);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(KafkaConnection kafka) {
        Properties p = kafka.clientProperties(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000));
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private void readAll(String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        readCommitted(kafka, topic, each);
    }

    /**
     * Hands {@code each} every committed record of {@code topic} up to its end now, as a
     * read_committed consumer sees it. The end is the high watermark, not the last stable offset: a
     * transaction the processor has committed may not have its marker on every partition yet (the
     * coordinator writes them after the commit returns), and reading only to the last stable offset
     * then missed that transaction's last records. A read_committed consumer passes the high
     * watermark once every transaction below it is decided; one left open by a killed producer is
     * aborted by the coordinator within its transaction timeout.
     */
    public static void readCommitted(KafkaConnection kafka, String topic,
                                     java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafka)) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = highWatermarks(kafka, parts);
            Duration wait = undecidedTimeout(kafka);
            long deadline = System.nanoTime() + wait.toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    // The books then show what is committed; what the open transaction holds is not in them.
                    LOG.warn("{}: a transaction was still undecided after {} s on {}; read up to the last stable offset",
                            topic, wait.toSeconds(), parts.stream().filter(tp -> consumer.position(tp) < end.get(tp)).toList());
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    each.accept(r);
                }
            }
        }
    }

    /**
     * The log end offsets as a read_uncommitted reader sees them, asked of the brokers with the
     * isolation level set on the request itself, so no client setting can turn it into the last
     * stable offset.
     */
    private static Map<TopicPartition, Long> highWatermarks(KafkaConnection kafka, List<TopicPartition> parts) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        parts.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        try (Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all()
                    .get(60, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the end offsets of " + parts + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * How long to wait for a transaction to be decided: twice the transaction timeout (10 s in
     * Kafka Streams unless set with -X), plus the broker's check for expired ones (every 10 s), and
     * at least {@link #UNDECIDED_TIMEOUT}.
     */
    static Duration undecidedTimeout(KafkaConnection kafka) {
        long txMs = 10_000;
        try {
            String set = kafka.clientConfig().get("transaction.timeout.ms");
            txMs = set == null ? txMs : Long.parseLong(set.trim());
        } catch (NumberFormatException e) {
            // Kafka refuses such a setting itself; the default wait stands.
        }
        return Duration.ofMillis(Math.max(UNDECIDED_TIMEOUT.toMillis(), 2 * txMs + 30_000));
    }
}
