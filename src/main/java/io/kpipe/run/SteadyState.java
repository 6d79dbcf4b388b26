package io.kpipe.run;

import java.util.ArrayDeque;
import org.HdrHistogram.Histogram;

/**
 * When a run reached steady state, and its latencies from then on. A second is steady when the
 * lag at its end is at most one second of data (the target rate, or with no target that second's
 * input) and its p99 is under {@link #P99_MS}; the run is steady from the first of
 * {@link #HOLD_S} steady seconds in a row, and stays so for the books even if a fault later sets
 * it back (the per-second samples show that). The steady-state histogram holds the latencies of
 * every second from that first one on.
 */
final class SteadyState {
    static final long P99_MS = 500;
    static final int HOLD_S = 10;

    private final long ratePerS;
    private final ArrayDeque<Histogram> pending = new ArrayDeque<>(HOLD_S);
    private final Histogram steady = new Histogram(3_600_000, 3);
    private long firstSteadyS = -1;
    private long reachedAtS = -1;

    /** {@code ratePerS}: the run's target rate, or 0 when it runs as fast as it can. */
    SteadyState(long ratePerS) {
        this.ratePerS = ratePerS;
    }

    /**
     * Takes one second's sample and its latencies ({@code interval} is not kept: it is copied
     * while the steady run is not yet confirmed). Returns true on the second that confirms it.
     */
    boolean add(Sample s, Histogram interval) {
        if (reachedAtS >= 0) {
            steady.add(interval);
            return false;
        }
        long oneSecond = ratePerS > 0 ? ratePerS : Math.max(1, s.inPerS());
        if (s.lag() > oneSecond || interval.getTotalCount() == 0 || ProgressLine.pct(interval, 99) >= P99_MS) {
            pending.clear();
            firstSteadyS = -1;
            return false;
        }
        if (pending.isEmpty()) {
            firstSteadyS = s.tS();
        }
        pending.addLast(interval.copy());
        if (pending.size() < HOLD_S) {
            return false;
        }
        reachedAtS = firstSteadyS;
        pending.forEach(steady::add);
        pending.clear();
        return true;
    }

    /**
     * The second (counted from the start of sending) whose start began the steady run, or -1 if
     * the run has not been steady for {@link #HOLD_S} seconds in a row yet. A sample stamped t
     * covers the second from t-1 to t.
     */
    long reachedAtS() {
        return reachedAtS < 0 ? -1 : reachedAtS - 1;
    }

    /** Latencies from the steady state on (empty if it was never reached). */
    Histogram latencies() {
        return steady.copy();
    }
}
