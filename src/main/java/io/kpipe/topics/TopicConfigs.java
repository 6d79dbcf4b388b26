package io.kpipe.topics;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The retention and segment settings of every topic kpipe writes, set explicitly so that no
 * broker default decides how much disk a pipeline takes. docs/retention.md has the arithmetic.
 *
 * <pre>
 * points, points-dlq, alerts   delete after the retention; segments of 64 MiB, rolled at least every retention/6
 * points-agg-1m                compacted (the last record per sensor and window is the answer) and deleted after
 *                              the retention; segments rolled at least every 10 min, so the cleaner can reach them
 * points-agg-1m, alerts        stamped by the broker when written (LogAppendTime): their retention counts from
 *                              then, whatever the age of the data (the event time is in the value)
 * agg-store changelog          compacted only: windows past grace are deleted (tombstones), so it holds the open
 *                              windows; small segments, tombstones kept 15 min
 * </pre>
 *
 * Kafka deletes a whole segment once its newest record is older than the retention, and compacts
 * only closed segments: the segment size and time bound how far past the retention a topic's disk
 * use goes.
 */
public final class TopicConfigs {
    /** Size of a segment: at 333,333 points/s on 12 partitions, one of points fills in about 2 minutes. */
    static final int SEGMENT_BYTES = 64 << 20;
    /** The longest a compacted topic's segment stays open (and out of the cleaner's reach). */
    static final Duration COMPACTED_SEGMENT_TIME = Duration.ofMinutes(10);
    /** The longest any segment stays open, whatever the retention. */
    static final Duration MAX_SEGMENT_TIME = Duration.ofHours(24);
    /**
     * Clean once half the log is new. Closed windows are tombstoned, so after a cleaning the clean
     * part is small (the open windows) and one new segment is enough to start the next.
     */
    static final String DIRTY_RATIO = "0.5";
    /**
     * How long a tombstone outlives its window in the changelog. A restore reads the changelog
     * from its start; one that misses a tombstone loads a closed window, which the store recognises
     * by the restored stream time and deletes at its next commit without emitting it again, so this
     * needs only to cover most restores, not a day.
     */
    static final Duration TOMBSTONE_RETENTION = Duration.ofMinutes(15);

    private TopicConfigs() {}

    /** {@code points}, {@code points-dlq} and {@code alerts}: records are deleted after {@code retention}. */
    public static SortedMap<String, String> deleted(Duration retention) {
        SortedMap<String, String> m = timed(retention);
        m.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        m.put(TopicConfig.SEGMENT_MS_CONFIG, ms(segmentTime(retention)));
        return Collections.unmodifiableSortedMap(m);
    }

    /**
     * {@code points-agg-1m}: compacted, since its readers (the reconciliation, the sinks) want the
     * last record per sensor and window, and deleted after {@code retention}, since windows end.
     * Stamped when written ({@link #resultsStampedWhenWritten}).
     */
    public static SortedMap<String, String> aggregates(Duration retention) {
        SortedMap<String, String> m = timed(retention);
        m.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE);
        m.put(TopicConfig.SEGMENT_MS_CONFIG, ms(min(segmentTime(retention), COMPACTED_SEGMENT_TIME)));
        m.put(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, DIRTY_RATIO);
        resultsStampedWhenWritten(m);
        return Collections.unmodifiableSortedMap(m);
    }

    /** {@code alerts}: deleted after {@code retention}, stamped when written ({@link #resultsStampedWhenWritten}). */
    public static SortedMap<String, String> alerts(Duration retention) {
        SortedMap<String, String> m = new TreeMap<>(deleted(retention));
        resultsStampedWhenWritten(m);
        return Collections.unmodifiableSortedMap(m);
    }

    /**
     * The broker stamps each result with the time it writes it ({@code LogAppendTime}), so the
     * retention counts from then. A processor's results carry the event time of their data, and a
     * result of old data (a replay of yesterday, a device whose clock is an hour behind as the first
     * point of a new task) stamped with it would be born past a short retention: deleted at the
     * broker's next check, possibly before a sink or the run's books read it. The event time stays
     * in the value (a window's window_start, window_end and last_ts; an alert's ts). {@code points} and
     * {@code points-dlq} keep their producers' stamps: a dead letter's is its point's record
     * timestamp, which stands in for a missing {@code ts}.
     */
    private static void resultsStampedWhenWritten(Map<String, String> m) {
        m.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
    }

    /**
     * The changelog of the processor's window store, as Kafka Streams creates it (it adds
     * {@code min.insync.replicas} from the processor's {@code topic.} settings). Compacted only:
     * deleting it by time would lose the state of windows still open.
     */
    public static SortedMap<String, String> changelog() {
        SortedMap<String, String> m = new TreeMap<>();
        m.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        m.put(TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(SEGMENT_BYTES));
        m.put(TopicConfig.SEGMENT_MS_CONFIG, ms(COMPACTED_SEGMENT_TIME));
        m.put(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, DIRTY_RATIO);
        m.put(TopicConfig.DELETE_RETENTION_MS_CONFIG, ms(TOMBSTONE_RETENTION));
        return Collections.unmodifiableSortedMap(m);
    }

    /**
     * A segment stays open at most a sixth of the retention (at most a day), so even a quiet topic's
     * records are deleted within about 7/6 of the retention.
     */
    static Duration segmentTime(Duration retention) {
        return min(retention.dividedBy(6), MAX_SEGMENT_TIME);
    }

    /** Time is the only bound ({@code retention.bytes} -1): a burst never deletes points not yet processed. */
    private static SortedMap<String, String> timed(Duration retention) {
        SortedMap<String, String> m = new TreeMap<>();
        m.put(TopicConfig.RETENTION_MS_CONFIG, ms(retention));
        m.put(TopicConfig.RETENTION_BYTES_CONFIG, "-1");
        m.put(TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(SEGMENT_BYTES));
        return m;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String ms(Duration d) {
        return Long.toString(d.toMillis());
    }
}
