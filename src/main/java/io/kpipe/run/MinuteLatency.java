package io.kpipe.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The latencies of one minute of a run, from all the points processed in it (not from the
 * seconds' percentiles): minute {@code m} is the seconds {@code 60(m-1) < t <= 60m} of the
 * timeline, counted from the start of sending. {@code points}: the latencies recorded.
 */
public record MinuteLatency(
        @JsonProperty("minute") long minute,
        @JsonProperty("points") long points,
        @JsonProperty("p50_ms") long p50Ms,
        @JsonProperty("p99_ms") long p99Ms,
        @JsonProperty("max_ms") long maxMs) {

    /** The minute that second {@code t} (1, 2, ...) belongs to. */
    static long of(long tS) {
        return Math.max(1, (tS + 59) / 60);
    }
}
