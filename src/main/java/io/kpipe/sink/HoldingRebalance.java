package io.kpipe.sink;

import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * Keeps a sink's pending batch and its consumer's positions true across rebalances. Kafka calls it
 * inside {@code poll}, on the sink's thread.
 *
 * <pre>
 *  revoked or lost  ──► the batch forgets those partitions' rows (their new owner writes them)
 *  assigned while   ──► paused at once, before the poll fetches: nothing is taken that the held
 *  holding               batch would not write, so no position moves past an unwritten record
 * </pre>
 *
 * While {@link #hold holding} (the database is failing and the batch waits), the sink polls only to
 * stay in its group; should a poll return records anyway, {@link #putBack} seeks to them, so the
 * next position commit cannot skip them.
 */
final class HoldingRebalance implements ConsumerRebalanceListener {
    private final Consumer<?, ?> consumer;
    private PendingBatch pending;
    private boolean holding;

    HoldingRebalance(Consumer<?, ?> consumer) {
        this.consumer = consumer;
    }

    /** The batch being filled or written: rebalances drop what it took from partitions that go. */
    void track(PendingBatch batch) {
        pending = batch;
    }

    /** The batch waits for the database: every partition, and every one assigned meanwhile, is paused. */
    void hold() {
        holding = true;
        consumer.pause(consumer.assignment());
    }

    /** The batch is written (or abandoned): partitions resume. */
    void release() {
        holding = false;
        pending = null;
        consumer.resume(consumer.assignment());
    }

    /** Records a poll returned while holding, which nothing will write: the next poll returns them again. */
    void putBack(ConsumerRecords<?, ?> records) {
        for (TopicPartition tp : records.partitions()) {
            consumer.seek(tp, records.records(tp).get(0).offset());
        }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (pending != null) {
            pending.drop(partitions);
        }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (holding) {
            consumer.pause(partitions);
        }
    }
}
