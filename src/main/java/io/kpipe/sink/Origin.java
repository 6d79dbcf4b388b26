package io.kpipe.sink;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a row came from: its record's place in Kafka, and the record's key and value as received
 * (kept for {@code sink_rejects}, should the row turn out to be unwritable).
 */
record Origin(String topic, int partition, long offset, byte[] key, byte[] value) {

    static Origin of(ConsumerRecord<byte[], byte[]> r) {
        return new Origin(r.topic(), r.partition(), r.offset(), r.key(), r.value());
    }

    TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    boolean in(java.util.Collection<TopicPartition> parts) {
        return parts.contains(topicPartition());
    }
}
