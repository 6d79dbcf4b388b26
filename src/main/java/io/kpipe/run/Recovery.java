package io.kpipe.run;

import io.kpipe.chaos.ChaosRunner;
import java.util.ArrayList;
import java.util.List;

/**
 * How long the pipeline took to recover from each fault, read from the run's per-second samples:
 * the fault's effect is the lag rising more than one second of input above where it was just
 * before the fault; the pipeline has recovered when the lag is back under that line. The time
 * counts from the fault to the end of the last second over the line, up to the next fault (then
 * that fault takes over). 0 means the fault never put the pipeline a second behind; null, that it
 * had not recovered when the run ended. A run that drained has recovered by the time the drain
 * ended, even if the last sample, taken up to a second before, was still behind.
 */
public final class Recovery {
    private Recovery() {}

    /** {@code drainedAtS}: when the drain ended, seconds from the start; null if the run did not drain. */
    static List<ChaosRunner.Done> of(List<ChaosRunner.Done> events, List<Sample> timeline, Double drainedAtS) {
        List<ChaosRunner.Done> out = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            ChaosRunner.Done e = events.get(i);
            double until = i + 1 < events.size() ? events.get(i + 1).atS() : Double.MAX_VALUE;
            out.add(e.withRecovery(e.error() != null ? null : recoveredAfter(e.atS(), until, timeline, drainedAtS)));
        }
        return out;
    }

    /**
     * Seconds from a fault at {@code atS} until the lag was back under its line, looking at the
     * samples up to {@code untilS}; 0 if it never crossed it; null if it was still over it at the last
     * sample and the run did not drain ({@code drainedAtS} null).
     */
    public static Double recoveredAfter(double atS, double untilS, List<Sample> timeline, Double drainedAtS) {
        Sample before = null;
        for (Sample s : timeline) {
            if (s.tS() <= atS) {
                before = s;
            }
        }
        long line = before == null ? 0 : before.lag() + Math.max(before.inPerS(), 1);
        Sample lastBehind = null;
        Sample last = null;
        for (Sample s : timeline) {
            if (s.tS() > atS && s.tS() <= untilS) {
                last = s;
                if (s.lag() > line) {
                    lastBehind = s;
                }
            }
        }
        if (lastBehind == null) {
            return 0.0;
        }
        if (lastBehind == last && untilS == Double.MAX_VALUE) {
            return drainedAtS == null ? null : Math.round((Math.max(drainedAtS, lastBehind.tS()) - atS) * 10) / 10.0;
        }
        return Math.round((lastBehind.tS() + 1 - atS) * 10) / 10.0;
    }
}
