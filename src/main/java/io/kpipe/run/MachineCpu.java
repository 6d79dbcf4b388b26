package io.kpipe.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The whole machine's CPU time from {@code /proc/stat} (every process on it: brokers, processors,
 * database, generator), to say how much headroom a run had. On a system without
 * {@code /proc/stat} every reading is {@link #NONE} and there is no figure.
 */
record MachineCpu(long busyTicks, long totalTicks) {
    static final MachineCpu NONE = new MachineCpu(0, 0);

    static MachineCpu now() {
        return parse(read());
    }

    /** The first line of {@code /proc/stat}: {@code cpu user nice system idle iowait irq softirq steal ...}. */
    static MachineCpu parse(String procStat) {
        String first = procStat.lines().findFirst().orElse("");
        if (!first.startsWith("cpu ")) {
            return NONE;
        }
        String[] f = first.trim().split("\\s+");
        long total = 0;
        long idle = 0;
        // user nice system idle iowait irq softirq steal; guest time is already in user and nice.
        for (int i = 1; i < Math.min(f.length, 9); i++) {
            long v = Long.parseLong(f[i]);
            total += v;
            if (i == 4 || i == 5) {
                idle += v;
            }
        }
        return new MachineCpu(total - idle, total);
    }

    /** The share of the machine's CPU that was busy from {@code earlier} to this reading, or NaN. */
    double busySince(MachineCpu earlier) {
        long total = totalTicks - earlier.totalTicks;
        return total <= 0 || this == NONE || earlier == NONE ? Double.NaN : (double) (busyTicks - earlier.busyTicks) / total;
    }

    private static String read() {
        try {
            return Files.readString(Path.of("/proc/stat"));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
