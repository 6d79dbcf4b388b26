package io.kpipe.sink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used so far by a local PostgreSQL server: its postmaster, the children it has reaped
 * (vacuum workers come and go) and the children alive now (backends, WAL writer, checkpointer),
 * read from {@code /proc}. For benchmarks on Linux; 0 where {@code /proc} is missing.
 */
final class ServerCpu {
    /** Linux reports CPU times in clock ticks of 1/100 s on every platform it runs kpipe on. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ServerCpu() {}

    static long nanos(long postmasterPid) {
        long ticks = ticks(postmasterPid, true);
        ticks += ProcessHandle.of(postmasterPid).stream().flatMap(ProcessHandle::descendants)
                .mapToLong(p -> ticks(p.pid(), false)).sum();
        return ticks * NANOS_PER_TICK;
    }

    private static long ticks(long pid, boolean withReapedChildren) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15, cutime 16, cstime 17.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return withReapedChildren ? t + Long.parseLong(f[13]) + Long.parseLong(f[14]) : t;
    }

    /** The postmaster's PID: the first line of {@code postmaster.pid} in the data directory. */
    static long postmasterPid(Path dataDir) {
        try {
            return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
