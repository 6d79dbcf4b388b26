package io.kpipe.sink;

import io.kpipe.config.KafkaConnection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a sink consumer's position on every partition where it moved: past what was written, and
 * past transaction markers (a read_committed consumer skips them, so committing record offsets + 1
 * would leave the group one offset short of the end of each transactional partition, and a run
 * waiting for the sink to reach the end would wait forever). Call it after the store committed.
 */
final class PositionCommitter {
    private static final Logger log = LoggerFactory.getLogger(PositionCommitter.class);

    private final Consumer<?, ?> consumer;
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    PositionCommitter(Consumer<?, ?> consumer) {
        this.consumer = consumer;
    }

    /** The consumer of a sink: its own group, read_committed, manual commits, from the earliest offset. */
    static KafkaConsumer<byte[], byte[]> newConsumer(KafkaConnection kafka, String group) {
        return new KafkaConsumer<>(kafka.clientProperties(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000)),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    void commit() {
        Map<TopicPartition, OffsetAndMetadata> moved = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            long position = consumer.position(tp);
            Long last = committed.get(tp);
            if (last == null || position > last) {
                moved.put(tp, new OffsetAndMetadata(position));
            }
        }
        if (moved.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(moved);
            moved.forEach((tp, o) -> committed.put(tp, o.offset()));
        } catch (RuntimeException e) {
            // Partitions moved to another instance meanwhile: it writes them again, and the sinks
            // are idempotent per window (upsert; the last line per window wins).
            log.info("offset commit after the write failed ({}); the batch will be written again", e.getMessage());
        }
    }
}
