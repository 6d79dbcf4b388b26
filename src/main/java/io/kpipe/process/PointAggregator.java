package io.kpipe.process;

import io.kpipe.config.ProcessorConfig;
import io.kpipe.model.DeadLetter;
import io.kpipe.model.MalformedPointException;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import io.kpipe.model.WindowResult;
import io.kpipe.process.WindowAggregateStore.OpenWindow;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;

/**
 * Decodes each record of {@code points}, sends what is not a valid point to the dead-letter sink
 * with the reason, and adds valid points to their tumbling window in the
 * {@link WindowAggregateStore}, which hands the changed windows back at each commit to be
 * forwarded to {@code points-agg-1m}.
 *
 * <p>Late points: a window is closed once its end is at or before the task's stream time (the
 * highest event time it has seen) minus the grace. A point for a closed window goes to the
 * dead-letter topic as type {@code late}, kept and counted, never dropped silently. Stream time
 * is kept in the store, so the rule is the same after a restart.
 */
final class PointAggregator implements Processor<Bytes, byte[], Object, Object> {
    private final PointDecoder decoder = new PointDecoder();
    private final MutablePoint point = new MutablePoint();
    private final ProcessingStats stats;
    private final String storeName;
    private final long windowMs;
    private final long graceMs;
    private final long maxFutureMs;
    private ProcessorContext<Object, Object> context;
    private WindowAggregateStore store;
    private ProcessorNode<?, ?, ?, ?> node;

    PointAggregator(ProcessorConfig config, ProcessingStats stats, String storeName) {
        this.stats = stats;
        this.storeName = storeName;
        this.windowMs = config.windowSize().toMillis();
        this.graceMs = config.grace().toMillis();
        this.maxFutureMs = config.maxFuture().toMillis();
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        // The node forwarding at commit time, when Kafka Streams is not inside any node.
        this.node = ((InternalProcessorContext<?, ?>) context).currentNode();
        this.store = context.getStateStore(storeName);
        store.load(this::emit);
    }

    @Override
    public void process(Record<Bytes, byte[]> record) {
        Bytes key = record.key();
        try {
            decoder.decode(key == null ? null : key.get(), record.value(), record.timestamp(), point);
        } catch (MalformedPointException e) {
            stats.recordInvalid();
            reject(record, DeadLetter.Type.INVALID, e.getMessage());
            return;
        }
        long eventTime = point.timestamp();
        if (eventTime - record.timestamp() > maxFutureMs) {
            stats.recordInvalid();
            reject(record, DeadLetter.Type.INVALID, "event time " + eventTime + " is "
                    + (eventTime - record.timestamp()) + " ms ahead of the record timestamp; at most "
                    + maxFutureMs + " ms allowed");
            return;
        }
        long streamTime = store.observe(eventTime);
        long windowStart = eventTime - Math.floorMod(eventTime, windowMs);
        long windowEnd = windowStart + windowMs;
        if (windowEnd <= streamTime - graceMs) {
            stats.recordLate();
            reject(record, DeadLetter.Type.LATE, "late: window ending " + windowEnd + " closed at stream time "
                    + streamTime + " with grace " + graceMs + " ms");
            return;
        }
        stats.recordAggregated(context.currentSystemTimeMs() - record.timestamp());
        store.add(key, windowStart, eventTime, point.value());
    }

    private void reject(Record<Bytes, byte[]> record, DeadLetter.Type type, String reason) {
        RecordMetadata m = context.recordMetadata().orElseThrow();
        context.forward(record.withHeaders(DeadLetter.headers(record.headers(), type, reason,
                m.topic(), m.partition(), m.offset())), PointTopology.DLQ_SINK);
    }

    /** Forwards the windows changed since the last commit; called by the store inside a commit. */
    private void emit(List<OpenWindow> changed) {
        InternalProcessorContext<?, ?> internal = (InternalProcessorContext<?, ?>) context;
        ProcessorNode<?, ?, ?, ?> previous = internal.currentNode();
        internal.setCurrentNode(node);
        try {
            for (OpenWindow w : changed) {
                String sensor = new String(w.sensor.get(), StandardCharsets.UTF_8);
                context.forward(new Record<>(WindowResult.key(sensor, w.start),
                        WindowResult.of(sensor, w.start, w.start + windowMs, w.aggregate),
                        w.aggregate.lastTs()), PointTopology.AGGREGATES_SINK);
            }
        } finally {
            internal.setCurrentNode(previous);
        }
    }
}
