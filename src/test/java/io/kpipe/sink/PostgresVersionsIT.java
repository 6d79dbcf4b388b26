package io.kpipe.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.lifecycle.FreePorts;
import io.kpipe.model.Alert;
import io.kpipe.model.WindowResult;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Versions, alert identities and the migration of older tables, on a real PostgreSQL server. */
@Tag("integration")
@Timeout(120)
class PostgresVersionsIT {
    private static final long W0 = 1_764_000_000_000L;

    @TempDir
    Path pgData;

    private EmbeddedPostgres pg;
    private String url;

    @BeforeEach
    void startDatabase() throws Exception {
        int port = FreePorts.take(1)[0];
        pg = EmbeddedPostgres.builder().setPort(port).setDataDirectory(pgData).setCleanDataDirectory(false).start();
        url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    @AfterEach
    void stop() throws Exception {
        pg.close();
    }

    private static PendingBatch.WindowRow row(long count, long offset) {
        return new PendingBatch.WindowRow(new WindowResult("s-1", "site-1", "C", W0, W0 + 60_000, count, count, 1, 1, 1,
                0, W0, W0 + count), new Origin("p-points-agg-1m", 4, offset, null, null));
    }

    private static PendingBatch.AlertRow alert(String topic, long offset) {
        return new PendingBatch.AlertRow(new Alert("s-1", "site-1", "max", 120, 100, W0), new Origin(topic, 0, offset,
                null, null));
    }

    private List<String> query(String sql) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = PostgresSink.connect(url, "postgres", null); Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                rows.add(r.getString(1));
            }
        }
        return rows;
    }

    @ParameterizedTest
    @EnumSource(PostgresWriter.Mode.class)
    void shouldNotLetAStaleVersionOverwriteANewerOne(PostgresWriter.Mode mode) throws Exception {
        PostgresSink.checkAndPrepare(url, "postgres", null);
        PostgresWriter writer = new PostgresWriter(mode);
        try (Connection c = PostgresSink.connect(url, "postgres", null)) {
            writer.write(c, List.of(row(5, 100)), List.of(), List.of());
            // A sink that lost the partition writes what it held: offset 70, count 3.
            writer.write(c, List.of(row(3, 70)), List.of(), List.of());
            assertThat(query("SELECT count || '@' || version FROM sensor_agg_1m")).containsExactly("5@100");

            writer.write(c, List.of(row(5, 100)), List.of(), List.of());   // a replay: the same row
            writer.write(c, List.of(row(6, 101)), List.of(), List.of());   // the next update
        }
        assertThat(query("SELECT count || '@' || version FROM sensor_agg_1m")).containsExactly("6@101");
    }

    @Test
    void shouldKeepAlertsOfTwoTopicsAtTheSameOffsets() throws Exception {
        PostgresSink.checkAndPrepare(url, "postgres", null);
        try (Connection c = PostgresSink.connect(url, "postgres", null)) {
            new PostgresWriter(PostgresWriter.Mode.COPY).write(c, List.of(),
                    List.of(alert("a-alerts", 0), alert("b-alerts", 0), alert("a-alerts", 1)), List.of());
            new PostgresWriter(PostgresWriter.Mode.COPY).write(c, List.of(), List.of(alert("a-alerts", 0)), List.of());
        }
        assertThat(query("SELECT source_topic || '-' || source_offset FROM alerts ORDER BY 1"))
                .containsExactly("a-alerts-0", "a-alerts-1", "b-alerts-0");
    }

    @Test
    void shouldMigrateTheTablesOfAnOlderKpipe() throws Exception {
        try (Connection c = PostgresSink.connect(url, "postgres", null); Statement s = c.createStatement()) {
            // What kpipe created before versions, topic-keyed alerts and sink_rejects.
            s.execute("CREATE TABLE sensor_agg_1m (sensor_id text NOT NULL, window_start timestamptz NOT NULL, "
                    + "site text NOT NULL, count bigint NOT NULL, sum double precision NOT NULL, min double precision NOT NULL, "
                    + "max double precision NOT NULL, mean double precision NOT NULL, stddev double precision NOT NULL, "
                    + "first_ts timestamptz NOT NULL, last_ts timestamptz NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), "
                    + "PRIMARY KEY (sensor_id, window_start))");
            s.execute("CREATE TABLE alerts (source_partition integer NOT NULL, source_offset bigint NOT NULL, "
                    + "sensor_id text NOT NULL, site text NOT NULL, rule text NOT NULL, value double precision NOT NULL, "
                    + "threshold double precision NOT NULL, ts timestamptz NOT NULL, PRIMARY KEY (source_partition, source_offset))");
            s.execute("INSERT INTO sensor_agg_1m VALUES ('s-1', to_timestamp(" + W0 / 1000 + "), 'site-1', 2, 2, 1, 1, 1, 0, "
                    + "now(), now())");
            s.execute("INSERT INTO alerts VALUES (0, 0, 's-1', 'site-1', 'max', 120, 100, now())");
            c.commit();
        }

        PostgresSink.checkAndPrepare(url, "postgres", null);
        PostgresSink.checkAndPrepare(url, "postgres", null);   // and again: nothing left to migrate

        try (Connection c = PostgresSink.connect(url, "postgres", null)) {
            PostgresWriter writer = new PostgresWriter(PostgresWriter.Mode.COPY);
            writer.write(c, List.of(row(3, 0)), List.of(alert("a-alerts", 0)), List.of());
        }
        assertThat(query("SELECT count || '@' || version FROM sensor_agg_1m")).containsExactly("3@0");
        assertThat(query("SELECT source_topic || '-' || source_offset FROM alerts ORDER BY 1"))
                .containsExactly("-0", "a-alerts-0");
        assertThat(query("SELECT a.attname FROM pg_constraint con JOIN pg_attribute a ON a.attrelid = con.conrelid "
                + "AND a.attnum = ANY (con.conkey) WHERE con.conrelid = 'alerts'::regclass AND con.contype = 'p' ORDER BY 1"))
                .containsExactly("source_offset", "source_partition", "source_topic");
        assertThat(query("SELECT count(*) FROM sink_rejects")).containsExactly("0");
        assertThat(query("SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = 'sensor_agg_1m'::regclass"))
                .containsExactly("fillfactor=" + PostgresSchema.AGGREGATES_FILLFACTOR);
    }

    @Test
    void shouldKeepAFillfactorTheTablesOwnerChose() throws Exception {
        PostgresSink.checkAndPrepare(url, "postgres", null);
        assertThat(query("SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = 'sensor_agg_1m'::regclass"))
                .containsExactly("fillfactor=" + PostgresSchema.AGGREGATES_FILLFACTOR);
        try (Connection c = PostgresSink.connect(url, "postgres", null); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE sensor_agg_1m SET (fillfactor = 90)");
            c.commit();
        }
        PostgresSink.checkAndPrepare(url, "postgres", null);
        assertThat(query("SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = 'sensor_agg_1m'::regclass"))
                .containsExactly("fillfactor=90");
    }
}
