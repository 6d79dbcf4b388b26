package io.kpipe.run;

import java.util.Map;
import java.util.function.IntFunction;

/**
 * The reconciliation of {@code kpipe run}: what was sent against what came out, as lost and
 * duplicated points.
 *
 * <pre>
 * per window    final count + points set aside (late, future, overflow)  = points acknowledged for it
 * not points    dead letters of type invalid or error                    = invalid points acknowledged
 * </pre>
 *
 * <p>When other producers (kcat, another client) also wrote to {@code points}, their records are
 * {@code external}: the records on the topic less those acknowledged here. Their windows are not
 * known here, so the per-window check covers the windows of this run's own points, and the rest
 * is balanced in total: every record on {@code points} has exactly one outcome, aggregated or one
 * dead letter.
 *
 * @param external records on {@code points} that this run did not send
 */
public record Books(long lost, long duplicated, long windowsWrong, long external) {

    /**
     * What this run got acknowledged.
     *
     * @param byWindow      the generator's points per window start, then per sensor index
     * @param sensor        the name of sensor index i
     * @param alsoByWindow  more points per window key (ingested over HTTP)
     * @param points        all points acknowledged (valid and invalid, generator and ingest)
     * @param invalid       invalid points acknowledged
     */
    public record Sent(Map<Long, long[]> byWindow, IntFunction<String> sensor, Map<String, Long> alsoByWindow,
                       long points, long invalid) {}

    public static Books of(Sent sent, Reconciler.Output out) {
        long external = Math.max(0, out.pointsRecords() - sent.points());
        KeyCheck keys = KeyCheck.of(sent.byWindow(), sent.sensor(), sent.alsoByWindow(), out, external > 0);
        // Positive: more came out than should have (duplicates); negative: less (losses).
        long rest = external == 0
                ? out.notPoints() - sent.invalid()
                : out.outcomes() - out.pointsRecords() - (keys.duplicated() - keys.lost());
        return new Books(keys.lost() + Math.max(0, -rest), keys.duplicated() + Math.max(0, rest), keys.windowsWrong(),
                external);
    }
}
