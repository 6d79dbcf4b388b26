package io.kpipe.process;

import io.kpipe.config.ProcessorConfig;
import io.kpipe.model.DeadLetter;
import io.kpipe.model.MalformedPointException;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The front of the DSL job ({@link DslTopology}): decodes each record of {@code points} with kpipe's
 * {@link PointDecoder} and applies kpipe's rules before the DSL window aggregation sees it. It
 * forwards either a valid point (the value is a {@link MutablePoint}, the record timestamp its event
 * time, which is what the DSL windows by) or a {@link DeadLetter.Letter} (the record's headers
 * replaced by the letter's), one output per input.
 *
 * <p>Late points: the DSL's window aggregation ({@code KStreamWindowAggregate}) keeps, per task, the
 * highest record timestamp it has seen as its stream time (from -1 when the task starts, in memory)
 * and drops a record whose window ends at or before that stream time minus the grace, counting it only
 * in a metric. This front keeps the same stream time by the same rule over the same records (every
 * point it forwards, in the same order, in the same task; a late point is never ahead of it), so the
 * points it dead-letters as {@code late} are exactly those the DSL would drop, and the DSL never drops
 * one: every point is aggregated or in {@code points-dlq}, which the books count.
 *
 * <p>Overflow: the DSL aggregator cannot set a point aside, so the front dead-letters as
 * {@code overflow} every value beyond ±{@value #MAX_ABS_VALUE}: below that bound no window's sum, mean
 * or variance can leave the range of a double (count below 2^63: |sum| &lt; 1e119, squared spread
 * &lt; 4e219), so the aggregator never meets a value it cannot add.
 *
 * <p>One {@link MutablePoint} per task is reused: the DSL hands the value to the aggregator
 * synchronously (the key is unchanged, so there is no repartition topic in between), and the
 * aggregator keeps only the numbers.
 */
final class DslFront implements FixedKeyProcessor<Bytes, byte[], Object> {
    /** Values beyond this magnitude are dead-lettered as {@code overflow} (see the class comment). */
    static final double MAX_ABS_VALUE = 1e100;

    private final PointDecoder decoder = new PointDecoder();
    private final MutablePoint point = new MutablePoint();
    private final ProcessingStats stats;
    private final long windowMs;
    private final long graceMs;
    private final long maxFutureMs;
    private FixedKeyProcessorContext<Bytes, Object> context;
    /** The DSL window aggregation's stream time: the highest timestamp forwarded to it in this task. */
    private long streamTime = -1;

    DslFront(ProcessorConfig config, ProcessingStats stats) {
        this.stats = stats;
        this.windowMs = config.windowSize().toMillis();
        this.graceMs = config.grace().toMillis();
        this.maxFutureMs = config.maxFuture().toMillis();
    }

    @Override
    public void init(FixedKeyProcessorContext<Bytes, Object> context) {
        this.context = context;
        this.streamTime = -1;
    }

    @Override
    public void process(FixedKeyRecord<Bytes, byte[]> record) {
        Bytes key = record.key();
        try {
            decoder.decode(key == null ? null : key.get(), record.value(), record.timestamp(), point);
        } catch (MalformedPointException e) {
            stats.recordInvalid();
            reject(record, DeadLetter.Type.INVALID, e.getMessage());
            return;
        }
        long eventTime = point.timestamp();
        long now = context.currentSystemTimeMs();
        if (eventTime - Math.min(record.timestamp(), now) > maxFutureMs) {
            stats.recordInvalid();
            reject(record, DeadLetter.Type.FUTURE, PointAggregator.futureReason(eventTime, record.timestamp(), now,
                    maxFutureMs));
            return;
        }
        double value = point.value();
        if (Math.abs(value) > MAX_ABS_VALUE) {
            stats.recordInvalid();
            reject(record, DeadLetter.Type.OVERFLOW, "overflow: value " + value + " is beyond ±" + MAX_ABS_VALUE
                    + ", the bound within which the DSL window's sum, mean and variance always stay finite");
            return;
        }
        // The DSL's rule, in its order: stream time takes the timestamp first, then the window is judged.
        long observed = Math.max(streamTime, eventTime);
        long windowEnd = eventTime - Math.floorMod(eventTime, windowMs) + windowMs;
        if (windowEnd <= observed - graceMs) {
            stats.recordLate();
            reject(record, DeadLetter.Type.LATE, PointAggregator.lateReason(windowEnd, observed, graceMs));
            return;
        }
        streamTime = observed;
        stats.recordAggregated(now - record.timestamp());
        context.forward(record.<Object>withValue(point).withTimestamp(eventTime));
    }

    private void reject(FixedKeyRecord<Bytes, byte[]> record, DeadLetter.Type type, String reason) {
        RecordMetadata m = context.recordMetadata().orElseThrow();
        Bytes key = record.key();
        DeadLetter.Letter letter = DeadLetter.of(key == null ? null : key.get(), record.value(), record.headers(),
                type, reason, m.topic(), m.partition(), m.offset());
        context.forward(record.<Object>withValue(letter).withHeaders(letter.headers()));
    }
}
