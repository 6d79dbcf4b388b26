package io.kpipe.process;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * The record timestamp, or, where a record has none (Kafka's -1, or any negative value a non-Java
 * client can write), the time the processor reads it: such a record is treated as stamped on
 * arrival, the way {@code POST /ingest} stamps a point without a {@code ts}. Kafka Streams'
 * default extractor fails the task on a negative timestamp, which would stop every instance that
 * took the partition over; returning a negative one would make Streams drop the record unseen.
 */
public final class MissingTimestampAsArrival implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        long ts = record.timestamp();
        return ts >= 0 ? ts : System.currentTimeMillis();
    }
}
