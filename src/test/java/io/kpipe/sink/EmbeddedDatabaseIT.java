package io.kpipe.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded PostgreSQL of {@code kpipe run} asks every client for its password (scram-sha-256):
 * a real server, real JDBC connections, and the psql command line kpipe prints.
 */
@Tag("integration")
@Timeout(120)
class EmbeddedDatabaseIT {
    @TempDir
    Path dir;

    @Test
    void shouldRefuseAConnectionWithoutThePasswordKeptInAnOwnerOnlyFile() throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.start(dir.resolve("postgres"))) {
            String password = db.password();
            int port = Integer.parseInt(db.jdbcUrl().replaceAll(".*:(\\d+)/postgres$", "$1"));

            assertThat(db.passwordFile()).isEqualTo(dir.resolve("postgres.password"));
            assertThat(Files.readString(db.passwordFile())).isEqualTo(password + "\n");
            assertThat(Files.readString(db.pgpassFile())).isEqualTo("127.0.0.1:" + port + ":*:postgres:" + password + "\n");
            for (Path f : List.of(db.passwordFile(), db.pgpassFile())) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString()).isEqualTo("rw-------");
            }
            assertThat(password).matches("[A-Za-z0-9_-]{32}");

            // No password: the server asks for one (SCRAM) and the driver has none to give.
            assertThatThrownBy(() -> connect(db, null)).isInstanceOf(SQLException.class)
                    .hasMessage("The server requested SCRAM-based authentication, but no password was provided.");
            // A wrong one: the server refuses it (28P01, invalid_password).
            assertThatThrownBy(() -> connect(db, "not-" + password)).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"))
                    .hasMessageContaining("password authentication failed for user \"postgres\"");
            try (Connection c = connect(db, password); Statement s = c.createStatement()) {
                // Every rule of pg_hba.conf asks for scram-sha-256: none trusts, over TCP or the socket.
                List<String> methods = new ArrayList<>();
                try (ResultSet r = s.executeQuery("SELECT DISTINCT auth_method FROM pg_hba_file_rules")) {
                    while (r.next()) {
                        methods.add(r.getString(1));
                    }
                }
                assertThat(methods).containsExactly("scram-sha-256");
                try (ResultSet r = s.executeQuery("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid "
                        + "WHERE rolname = 'postgres'")) {
                    assertThat(r.next()).isTrue();
                    assertThat(r.getBoolean(1)).isTrue();
                }
            }
            // kpipe's own sink connects with it, and creates its tables.
            PostgresSink.checkAndPrepare(db.jdbcUrl(), EmbeddedDatabase.USER, password);
            assertPsqlLineWorks(db);
        }
        assertThat(dir.resolve("postgres.password")).doesNotExist();
        assertThat(dir.resolve("postgres.pgpass")).doesNotExist();
    }

    private static Connection connect(EmbeddedDatabase db, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", EmbeddedDatabase.USER);
        if (password != null) {
            p.setProperty("password", password);
        }
        return DriverManager.getConnection(db.jdbcUrl(), p);
    }

    /** The printed psql line, run as printed (plus a query, and -w: never prompt), reads the sink's table. */
    private static void assertPsqlLineWorks(EmbeddedDatabase db) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/psql")),
                "psql is not installed: the printed psql line was not run (apt-get install postgresql-client)");
        String withPassword = run(db.psql() + " -w -tA -c 'SELECT count(*) FROM sensor_agg_1m'");
        String without = run(db.psql().replaceFirst("^PGPASSFILE=\\S+ ", "PGPASSFILE=/dev/null ") + " -w -tA -c 'SELECT 1'");

        assertThat(withPassword).isEqualTo("0\nexit 0");
        assertThat(without).contains("no password supplied").endsWith("exit 2");
    }

    private static String run(String line) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", line).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out + "exit " + p.exitValue();
    }
}
