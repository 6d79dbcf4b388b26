package io.kpipe.terminal;

import java.util.Locale;

/** A progress bar for a terminal line: {@code [#######.............] 35% 21s/60s ETA 39s}. */
public final class Bar {
    private Bar() {}

    /**
     * {@code done} of {@code total} (any unit; past the total the bar is full), {@code width}
     * characters between the brackets; with {@code eta} seconds when known (negative: unknown).
     */
    public static String render(long done, long total, int width, long etaS) {
        double f = total <= 0 ? 0 : Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(f * width);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] "
                + String.format(Locale.ROOT, "%3d%%", Math.round(f * 100)) + (etaS < 0 ? "" : " ETA " + time(etaS));
    }

    /** A run's bar: seconds elapsed of its duration, the ETA being the seconds left (or "drain"). */
    public static String render(long elapsedS, long totalS, int width) {
        return render(elapsedS, totalS, width, -1) + (elapsedS <= totalS
                ? String.format(Locale.ROOT, " %ds/%ds ETA %s", elapsedS, totalS, time(totalS - elapsedS))
                : " draining");
    }

    /** {@code 59s}, {@code 4m05s}, {@code 1h02m}. */
    public static String time(long s) {
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
}
