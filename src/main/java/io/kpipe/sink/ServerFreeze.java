package io.kpipe.sink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * SIGSTOP on a local PostgreSQL server, for fault tests: its postmaster and every backend, so that
 * open connections hang as new ones do (a server that stopped answering, not one that is down).
 * {@link #close()} resumes whatever it froze, whatever happened in between.
 *
 * <pre>{@code
 * try (ServerFreeze freeze = ServerFreeze.of(dataDir)) {
 *     freeze.freeze();
 *     ...
 * }   // SIGCONT, also when the test failed
 * }</pre>
 */
public final class ServerFreeze implements AutoCloseable {
    private final long postmaster;
    private final List<Long> frozen = new ArrayList<>();

    private ServerFreeze(long postmaster) {
        this.postmaster = postmaster;
    }

    /** The server whose data directory is {@code dataDir} (its {@code postmaster.pid}). */
    public static ServerFreeze of(Path dataDir) {
        long pid = ServerCpu.postmasterPid(dataDir);
        if (pid <= 0) {
            throw new IllegalStateException("no running PostgreSQL server in " + dataDir);
        }
        return new ServerFreeze(pid);
    }

    public void freeze() {
        List<Long> pids = new ArrayList<>(List.of(postmaster));
        ProcessHandle.of(postmaster).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
        for (long pid : pids) {
            frozen.add(pid);   // before the signal: a failure half-way still resumes it
            signal("STOP", pid);
        }
    }

    public void thaw() {
        for (long pid : frozen) {
            signal("CONT", pid);
        }
        frozen.clear();
    }

    private static void signal(String signal, long pid) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send SIG" + signal + " to " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        thaw();
    }
}
