package io.kpipe.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the dashboard shows ({@code GET /api/stats}): the last ten minutes of one-second samples
 * of the progress line, each with the dead-letter and alert totals and the brokers' states then.
 */
public final class LiveStats {
    static final int KEEP = 600;

    /** One second of a run, as the dashboard charts it. */
    public record Point(@JsonProperty("t_s") long tS, @JsonProperty("in_per_s") long inPerS,
                       @JsonProperty("out_per_s") long outPerS, @JsonProperty("lag") long lag,
                       @JsonProperty("p50_ms") long p50Ms, @JsonProperty("p99_ms") long p99Ms,
                       @JsonProperty("dlq") long dlq, @JsonProperty("alerts") long alerts) {}

    private final ArrayDeque<Point> points = new ArrayDeque<>();
    private final Supplier<Map<Integer, String>> brokers;
    private volatile String phase = "starting";

    /** {@code brokers}: each broker's state by node id (empty for an external cluster). */
    public LiveStats(Supplier<Map<Integer, String>> brokers) {
        this.brokers = brokers;
    }

    synchronized void add(Sample s, long dlq, long alerts) {
        if (points.size() == KEEP) {
            points.removeFirst();
        }
        points.addLast(new Point(s.tS(), s.inPerS(), s.outPerS(), s.lag(), s.p50Ms(), s.p99Ms(), dlq, alerts));
    }

    /** {@code running}, {@code draining}, {@code done}. */
    public void phase(String phase) {
        this.phase = phase;
    }

    /** The body of {@code GET /api/stats}. */
    public Map<String, Object> snapshot() {
        List<Point> copy;
        synchronized (this) {
            copy = new ArrayList<>(points);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("phase", phase);
        m.put("brokers", brokers.get());
        m.put("samples", copy);
        return m;
    }
}
