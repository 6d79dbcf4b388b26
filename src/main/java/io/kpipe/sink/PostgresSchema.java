package io.kpipe.sink;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's tables, created if missing and migrated if older. Times are {@code timestamptz}; the
 * keys make replays harmless. Migrations of a database an older kpipe wrote:
 * <ul>
 *   <li>{@code sensor_agg_1m.version} (added, -1 for existing rows: any update replaces them);
 *   <li>{@code alerts.source_topic} (added, '' for existing rows, whose topic was not recorded) and
 *       the primary key widened from (partition, offset) to (topic, partition, offset);
 *   <li>{@code sink_rejects} (created);
 *   <li>{@code sensor_agg_1m}'s fillfactor set when it has none (pages written from then on keep room
 *       for updates; a fillfactor the table's owner set is kept).
 * </ul>
 */
final class PostgresSchema {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresSchema.class);
    /**
     * Room left free in each page of {@code sensor_agg_1m}, in percent filled: a window's row is
     * updated once per processor commit while the window is open (about 60 times), and an update
     * that finds room on the row's page is a HOT update, which writes no index entry and whose
     * dead versions the next visit to the page prunes. With full pages every update moved the row
     * to another page and added an index entry (docs/sinks.md has the figures).
     */
    static final int AGGREGATES_FILLFACTOR = 80;
    /** {@code version}: the source offset of the row's record; a row is only replaced by a greater one. */
    static final String AGGREGATES = """
            CREATE TABLE IF NOT EXISTS sensor_agg_1m (
                sensor_id    text             NOT NULL,
                window_start timestamptz      NOT NULL,
                site         text             NOT NULL,
                count        bigint           NOT NULL,
                sum          double precision NOT NULL,
                min          double precision NOT NULL,
                max          double precision NOT NULL,
                mean         double precision NOT NULL,
                stddev       double precision NOT NULL,
                first_ts     timestamptz      NOT NULL,
                last_ts      timestamptz      NOT NULL,
                updated_at   timestamptz      NOT NULL DEFAULT now(),
                version      bigint           NOT NULL DEFAULT -1,
                PRIMARY KEY (sensor_id, window_start)) WITH (fillfactor = %d)""".formatted(AGGREGATES_FILLFACTOR);
    /**
     * An alert's identity is its place in the alerts topic, topic included: two pipelines (topic
     * prefixes) may write one database, and their offsets overlap.
     */
    static final String ALERTS = """
            CREATE TABLE IF NOT EXISTS alerts (
                source_topic     text             NOT NULL,
                source_partition integer          NOT NULL,
                source_offset    bigint           NOT NULL,
                sensor_id        text             NOT NULL,
                site             text             NOT NULL,
                rule             text             NOT NULL,
                value            double precision NOT NULL,
                threshold        double precision NOT NULL,
                ts               timestamptz      NOT NULL,
                PRIMARY KEY (source_topic, source_partition, source_offset))""";

    private PostgresSchema() {}

    static void ensure(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(AGGREGATES);
            s.execute("ALTER TABLE sensor_agg_1m ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT -1");
            s.execute(ALERTS);
            s.execute("ALTER TABLE alerts ADD COLUMN IF NOT EXISTS source_topic text NOT NULL DEFAULT ''");
            s.execute(RejectTable.DDL);
        }
        widenAlertsKey(c);
        leaveRoomForUpdates(c);
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    /** A table of an older kpipe has full pages: set the fillfactor, unless its owner chose one. */
    private static void leaveRoomForUpdates(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM pg_class, "
                + "unnest(reloptions) o WHERE oid = 'sensor_agg_1m'::regclass AND o LIKE 'fillfactor=%'")) {
            r.next();
            if (r.getLong(1) > 0) {
                return;
            }
        }
        // Only the table's owner may set it, and it waits for a lock that a long vacuum may hold: a sink
        // that cannot set it runs on with full pages (slower updates), as it did before.
        Savepoint sp = c.getAutoCommit() ? null : c.setSavepoint();
        try (Statement s = c.createStatement()) {
            s.execute("SET lock_timeout = '5s'");
            s.execute("ALTER TABLE sensor_agg_1m SET (fillfactor = " + AGGREGATES_FILLFACTOR + ")");
            s.execute("RESET lock_timeout");
        } catch (SQLException e) {
            if (!"42501".equals(e.getSQLState()) && !"55P03".equals(e.getSQLState())) {
                throw e;
            }
            if (sp != null) {
                c.rollback(sp);
            }
            try (Statement s = c.createStatement()) {
                s.execute("RESET lock_timeout");
            }
            LOG.warn("sensor_agg_1m keeps full pages (its fillfactor could not be set: {}); window updates are slower",
                    e.getMessage());
        }
    }

    /** An alerts table of an older kpipe has the key (partition, offset): replace it by (topic, partition, offset). */
    private static void widenAlertsKey(Connection c) throws SQLException {
        String constraint = null;
        List<String> columns = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT con.conname, a.attname "
                + "FROM pg_constraint con JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey) "
                + "WHERE con.conrelid = 'alerts'::regclass AND con.contype = 'p'")) {
            while (r.next()) {
                constraint = r.getString(1);
                columns.add(r.getString(2));
            }
        }
        if (columns.contains("source_topic")) {
            return;
        }
        try (Statement s = c.createStatement()) {
            if (constraint != null) {
                s.execute("ALTER TABLE alerts DROP CONSTRAINT \"" + constraint.replace("\"", "\"\"") + "\"");
            }
            s.execute("ALTER TABLE alerts ADD PRIMARY KEY (source_topic, source_partition, source_offset)");
        }
    }
}
