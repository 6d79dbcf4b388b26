package io.kpipe.run;

import io.kpipe.sink.PostgresSink;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * The PostgreSQL side of {@code kpipe run}'s books: the tables and {@code sink_rejects} against
 * the final windows read from the topic.
 *
 * <pre>
 * windows      rows in sensor_agg_1m  + distinct windows with a rejected record = windows on the topic
 * points       sum of the rows' counts + final counts of those rejected windows  = points aggregated
 * alerts       rows in alerts          + rejected alert records                  = alerts on the topic
 * </pre>
 *
 * A window counts as rejected when any of its records was; one whose later update was written after
 * all then appears twice and the books say NOT EXACT: a false alarm, never a hidden loss.
 */
public final class SinkBooks {
    private SinkBooks() {}

    public static RunSummary.Sink of(PostgresSink.TableTotals table, PostgresSink.RejectTotals rejects, long rowsWritten,
                              Reconciler.Output out) {
        Set<String> windows = new HashSet<>();
        long keyless = 0;
        for (byte[] key : rejects.windowKeys()) {
            if (key == null) {
                keyless++;   // no key: no window on the topic to name, but still a window short in the table
            } else {
                windows.add(new String(key, StandardCharsets.UTF_8));
            }
        }
        long countSum = windows.stream().mapToLong(k -> out.finalCounts().getOrDefault(k, 0L)).sum();
        return new RunSummary.Sink(table.rows(), table.countSum(), table.alerts(), rowsWritten, rejects.records(),
                windows.size() + keyless, countSum, rejects.alerts());
    }
}
