package io.kpipe.run;

import io.kpipe.config.KafkaConnection;
import io.kpipe.model.DeadLetter;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import io.kpipe.model.WindowResult;
import io.kpipe.model.WindowResultSerde;
import io.kpipe.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what the pipeline wrote, as a downstream consumer would ({@code read_committed}), and
 * totals it: the final value of every window (the last record per key) and the dead letters by type.
 */
public final class Reconciler {
    private static final Duration POLL = Duration.ofMillis(500);

    /**
     * Totals of the output topics, plus the final count of every window ({@code <sensor>@<start>})
     * and the points judged late per window they belonged to.
     */
    public record Output(long windows, long aggregatedCount, long invalid, long late,
                         Map<String, Long> finalCounts, Map<String, Long> lateByWindow, long alerts) {}

    private final KafkaConnection kafka;
    private final Topics topics;

    private final long windowMs;

    public Reconciler(KafkaConnection kafka, Topics topics, long windowMs) {
        this.kafka = kafka;
        this.topics = topics;
        this.windowMs = windowMs;
    }

    public Output read() {
        Map<String, Long> finalCounts = new HashMap<>();
        WindowResultSerde serde = new WindowResultSerde();
        readAll(topics.aggregates().name(), r -> {
            WindowResult w = serde.deserialize(r.topic(), r.value());
            finalCounts.put(new String(r.key(), StandardCharsets.UTF_8), w == null ? 0 : w.count());
        });
        long[] dead = new long[2];
        Map<String, Long> lateByWindow = new HashMap<>();
        PointDecoder decoder = new PointDecoder();
        MutablePoint point = new MutablePoint();
        readAll(topics.deadLetters().name(), r -> {
            DeadLetter.Type t = DeadLetter.Type.of(r.headers());
            if (t == DeadLetter.Type.LATE) {
                dead[1]++;
                // A late point was valid: decoding it again gives its sensor and window.
                decoder.decode(r.key(), r.value(), r.timestamp(), point);
                long start = point.timestamp() - Math.floorMod(point.timestamp(), windowMs);
                lateByWindow.merge(WindowResult.key(new String(r.key(), StandardCharsets.UTF_8), start), 1L, Long::sum);
            } else {
                dead[0]++;
            }
        });
        long[] alerts = new long[1];
        readAll(topics.alerts().name(), r -> alerts[0]++);
        long sum = finalCounts.values().stream().mapToLong(Long::longValue).sum();
        return new Output(finalCounts.size(), sum, dead[0], dead[1], finalCounts, lateByWindow, alerts[0]);
    }

    private void readAll(String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Properties p = kafka.clientProperties(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000));
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            // Under read_committed these are the last stable offsets: all that is committed.
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    each.accept(r);
                }
            }
        }
    }
}
