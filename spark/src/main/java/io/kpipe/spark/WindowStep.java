package io.kpipe.spark;

import io.kpipe.model.Aggregate;
import io.kpipe.model.DeadLetter;
import io.kpipe.model.JsonSerde;
import io.kpipe.model.WindowResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.function.FlatMapGroupsWithStateFunction;
import org.apache.spark.sql.streaming.GroupState;

/**
 * The windows of one sensor, per micro-batch: Spark's {@code flatMapGroupsWithState}, keyed by
 * sensor id. Spark's own window aggregation drops points behind the watermark without a trace;
 * kpipe's books need each of them in the dead-letter topic with its original bytes, so the
 * windows are kept here (in {@link SensorWindows}) and the rules applied by hand:
 *
 * <pre>
 * for each point of the batch:   window end at or before the watermark ──► points-dlq (late)
 *                                 its window cannot add it finitely     ──► points-dlq (overflow)
 *                                 else added to its window
 * then                            each window changed in this batch    ──► points-agg-1m (its value now)
 *                                 each window the watermark has passed  ──► dropped from the state
 * </pre>
 *
 * The watermark is the highest {@link PointRow#getClock() clock} seen (event time bounded by the
 * record timestamp and the processor's clock) less the grace: kpipe's "window end at or before
 * stream time less the grace" rule, with the stream time of the whole query (Spark's watermark is
 * global) rather than of each partition, as of the previous micro-batch. A group of dead letters
 * written at decoding ({@link PointRow#DEAD_LETTER_GROUP_PREFIX}) passes through untouched.
 *
 * <p>A sensor without points for a while is called with a processing-time timeout, so that its
 * closed windows leave the state even if it never sends again.
 */
final class WindowStep implements FlatMapGroupsWithStateFunction<String, PointRow, SensorWindows, OutRow> {
    private static final long serialVersionUID = 1L;
    private static final JsonSerde<WindowResult> JSON = new JsonSerde<>(WindowResult.class);
    private final SparkSettings settings;

    WindowStep(SparkSettings settings) {
        this.settings = settings;
    }

    @Override
    public Iterator<OutRow> call(String group, Iterator<PointRow> rows, GroupState<SensorWindows> state) {
        List<OutRow> out = new ArrayList<>();
        if (group.startsWith(PointRow.DEAD_LETTER_GROUP_PREFIX)) {
            Rules rules = new Rules(settings.maxFutureMs(), settings.deadLettersTopic());
            rows.forEachRemaining(r -> out.add(rules.out(r)));
            SparkStats.INVALID.add(out.size());
            return out.iterator();
        }
        long watermark = state.getCurrentWatermarkMs();
        long windowMs = settings.windowMs();
        TreeMap<Long, Aggregate> windows = state.exists() ? state.get().unpack() : new TreeMap<>();
        TreeMap<Long, Aggregate> changed = new TreeMap<>();
        long now = System.currentTimeMillis();
        while (rows.hasNext()) {
            PointRow p = rows.next();
            long t = p.getEventTime();
            long start = t - Math.floorMod(t, windowMs);
            long end = start + windowMs;
            if (end <= watermark) {
                SparkStats.LATE.increment();
                out.add(deadLetter(p, DeadLetter.Type.LATE, "late: window ending " + end + " closed at stream time "
                        + (watermark + settings.graceMs()) + " with grace " + settings.graceMs() + " ms"));
                continue;
            }
            Aggregate a = windows.computeIfAbsent(start, s -> new Aggregate());
            if (!a.accepts(p.getValue())) {
                SparkStats.INVALID.increment();
                out.add(deadLetter(p, DeadLetter.Type.OVERFLOW, "overflow: adding value " + p.getValue()
                        + " would take its window's sum, mean or variance beyond the range of a double"));
                if (a.count() == 0) {
                    windows.remove(start);
                }
                continue;
            }
            a.add(t, p.getValue());
            changed.put(start, a);
            SparkStats.aggregated(now - p.getRecordTimestamp());
        }
        for (Map.Entry<Long, Aggregate> w : changed.entrySet()) {
            long start = w.getKey();
            WindowResult r = WindowResult.of(group, Devices.get(group), start, start + windowMs, w.getValue());
            out.add(new OutRow(settings.aggregatesTopic(),
                    WindowResult.key(group, start).getBytes(StandardCharsets.UTF_8),
                    JSON.serialize(settings.aggregatesTopic(), r), List.of()));
        }
        // Closed: no point can change them any more (it would be late), and their last value is out.
        windows.headMap(watermark - windowMs, true).clear();
        if (windows.isEmpty()) {
            state.remove();
        } else {
            state.update(SensorWindows.pack(windows));
            state.setTimeoutDuration(windowMs);
        }
        return out.iterator();
    }

    private OutRow deadLetter(PointRow p, DeadLetter.Type type, String reason) {
        DeadLetter.Letter l = Rules.letter(p.getKey(), p.getRaw(), p.getHeaders(), type, reason,
                settings.pointsTopic(), p.getPartition(), p.getOffset());
        return new OutRow(settings.deadLettersTopic(), l.key(), l.value(), Rules.rows(l.headers().toArray()));
    }
}
