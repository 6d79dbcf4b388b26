package io.kpipe.process;

import io.kpipe.config.ProcessorConfig;
import io.kpipe.model.DeadLetter;
import io.kpipe.model.MalformedPointException;
import io.kpipe.model.PointDecoder;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Decodes each record of {@code points}, sends what is not a valid point to the dead-letter
 * route with the reason, and sends on valid points with their event time as record timestamp.
 *
 * <p>Late points are judged here by the very rule of Kafka Streams' window aggregate (a window is
 * closed once its end is at or before the highest event time seen by this task minus the grace),
 * with the same per-task state, so the aggregate never drops a point silently: a late point goes
 * to the dead-letter topic as type {@code late}, kept and counted.
 */
final class DecodeProcessor implements FixedKeyProcessor<Bytes, byte[], Decoded> {
    private final PointDecoder decoder = new PointDecoder();
    private final Decoded decoded = new Decoded();
    private final ProcessingStats stats;
    private final long windowMs;
    private final long graceMs;
    private final long maxFutureMs;
    private FixedKeyProcessorContext<Bytes, Decoded> context;
    private long observedStreamTime = -1;

    DecodeProcessor(ProcessorConfig config, ProcessingStats stats) {
        this.stats = stats;
        this.windowMs = config.windowSize().toMillis();
        this.graceMs = config.grace().toMillis();
        this.maxFutureMs = config.maxFuture().toMillis();
    }

    @Override
    public void init(FixedKeyProcessorContext<Bytes, Decoded> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<Bytes, byte[]> record) {
        Bytes key = record.key();
        try {
            decoder.decode(key == null ? null : key.get(), record.value(), record.timestamp(), decoded.point);
        } catch (MalformedPointException e) {
            stats.recordInvalid();
            reject(record, DeadLetter.Type.INVALID, e.getMessage());
            return;
        }
        long eventTime = decoded.point.timestamp();
        if (eventTime - record.timestamp() > maxFutureMs) {
            stats.recordInvalid();
            reject(record, DeadLetter.Type.INVALID, "event time " + eventTime + " is "
                    + (eventTime - record.timestamp()) + " ms ahead of the record timestamp; at most "
                    + maxFutureMs + " ms allowed");
            return;
        }
        observedStreamTime = Math.max(observedStreamTime, eventTime);
        long windowEnd = eventTime - eventTime % windowMs + windowMs;
        if (windowEnd <= observedStreamTime - graceMs) {
            stats.recordLate();
            reject(record, DeadLetter.Type.LATE, "late: window ending " + windowEnd + " closed at stream time "
                    + observedStreamTime + " with grace " + graceMs + " ms");
            return;
        }
        stats.recordAggregated(context.currentSystemTimeMs() - record.timestamp());
        decoded.valid = true;
        decoded.original = null;
        context.forward(record.withValue(decoded).withTimestamp(eventTime));
    }

    private void reject(FixedKeyRecord<Bytes, byte[]> record, DeadLetter.Type type, String reason) {
        RecordMetadata m = context.recordMetadata().orElseThrow();
        decoded.valid = false;
        decoded.original = record.value();
        context.forward(record.withValue(decoded)
                .withHeaders(DeadLetter.headers(record.headers(), type, reason, m.topic(), m.partition(), m.offset())));
    }
}
