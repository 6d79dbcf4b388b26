package io.kpipe.sink;

import io.kpipe.model.Alert;
import io.kpipe.model.WindowResult;
import io.kpipe.sink.PendingBatch.AlertRow;
import io.kpipe.sink.PendingBatch.WindowRow;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.postgresql.PGConnection;

/**
 * Writes one batch in one transaction: window results upserted by (sensor_id, window_start), alerts
 * by their place in the alerts topic, rejects into {@code sink_rejects}. Two ways ({@link Mode}):
 * multi-row {@code INSERT ... ON CONFLICT DO UPDATE}, or {@code COPY} into a temporary table and one
 * {@code INSERT ... SELECT ... ON CONFLICT} from it. COPY is the default: 29% more rows/s for 17%
 * less server CPU per row ({@code kpipe bench --scenario sink}, docs/sinks.md).
 *
 * <p>A window row only replaces one of a smaller {@link WindowRow#version() version}: a sink that
 * lost a partition cannot overwrite what its new owner wrote. When the batch fails with a data or
 * integrity error ({@link SqlStates}), it is written again in halves under savepoints, down to the
 * single rows that fail; those are rejected, the rest written, all in one transaction.
 */
public final class PostgresWriter {
    /** How rows reach the table. */
    public enum Mode { UPSERT, COPY }

    /** Rows per multi-row INSERT: 12 parameters a row, far under PostgreSQL's 65,535. */
    private static final int ROWS_PER_STATEMENT = 1000;
    private static final String AGG_COLUMNS =
            "sensor_id, window_start, site, count, sum, min, max, mean, stddev, first_ts, last_ts, version";
    private static final String AGG_CONFLICT = " ON CONFLICT (sensor_id, window_start) DO UPDATE SET "
            + "site = EXCLUDED.site, count = EXCLUDED.count, sum = EXCLUDED.sum, min = EXCLUDED.min, "
            + "max = EXCLUDED.max, mean = EXCLUDED.mean, stddev = EXCLUDED.stddev, first_ts = EXCLUDED.first_ts, "
            + "last_ts = EXCLUDED.last_ts, version = EXCLUDED.version, updated_at = now() "
            + "WHERE EXCLUDED.version > sensor_agg_1m.version";
    private static final String ALERT_COLUMNS =
            "source_topic, source_partition, source_offset, sensor_id, site, rule, value, threshold, ts";

    /** One way of writing a list of rows in the current transaction. */
    private interface Step<T> {
        void write(Connection c, List<T> rows) throws SQLException;
    }

    private final Mode mode;

    public PostgresWriter(Mode mode) {
        this.mode = mode;
    }

    /**
     * Writes and commits the batch; returns the rejects it committed: {@code known} ones and the rows
     * the database refused with a data error. Any other error rolls back and is thrown: nothing of
     * the batch was written, and it can be retried as it is.
     */
    List<Reject> write(Connection c, List<WindowRow> windows, List<AlertRow> alerts, List<Reject> known)
            throws SQLException {
        try {
            writeWindows(c, windows, false);
            insertAlerts(c, alerts);
            RejectTable.insert(c, known);
            c.commit();
            return known;
        } catch (SQLException e) {
            rollback(c);
            if (SqlStates.classify(e) != SqlStates.Verdict.REJECT) {
                throw e;
            }
        } catch (RuntimeException e) {
            rollback(c);
            throw e;
        }
        return writeRowByRowWhereBad(c, windows, alerts, known);
    }

    /** The slow path, only for a batch holding a bad row: the good rows written, the bad ones rejected. */
    private List<Reject> writeRowByRowWhereBad(Connection c, List<WindowRow> windows, List<AlertRow> alerts,
                                               List<Reject> known) throws SQLException {
        List<Reject> rejects = new ArrayList<>(known);
        try {
            bisect(c, windows, (conn, rows) -> writeWindows(conn, rows, true), WindowRow::origin, "sensor_agg_1m",
                    rejects);
            bisect(c, alerts, PostgresWriter::insertAlerts, AlertRow::origin, "alerts", rejects);
            RejectTable.insert(c, rejects);
            c.commit();
            return rejects;
        } catch (SQLException | RuntimeException e) {
            rollback(c);
            throw e;
        }
    }

    /**
     * Writes {@code rows} under a savepoint; on a data error, each half again, down to single rows,
     * which are rejected. A batch with k bad rows of n costs about 2k log2(n) statements, not n.
     */
    private static <T> void bisect(Connection c, List<T> rows, Step<T> step, Function<T, Origin> origin, String table,
                                   List<Reject> rejects) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        Savepoint sp = c.setSavepoint();
        try {
            step.write(c, rows);
            c.releaseSavepoint(sp);
            return;
        } catch (SQLException e) {
            if (SqlStates.classify(e) != SqlStates.Verdict.REJECT) {
                throw e;
            }
            c.rollback(sp);
            if (rows.size() == 1) {
                String why = String.valueOf(e.getMessage());
                rejects.add(new Reject(origin.apply(rows.get(0)), table + ": " + why.lines().findFirst().orElse(why),
                        SqlStates.stateOf(e)));
                return;
            }
        }
        int mid = rows.size() / 2;
        bisect(c, rows.subList(0, mid), step, origin, table, rejects);
        bisect(c, rows.subList(mid, rows.size()), step, origin, table, rejects);
    }

    private void writeWindows(Connection c, List<WindowRow> rows, boolean stageMayHoldRows) throws SQLException {
        if (mode == Mode.COPY) {
            copyWindows(c, rows, stageMayHoldRows);
        } else {
            upsertWindows(c, rows);
        }
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // The connection is broken; the caller opens a new one.
        }
    }

    private static void upsertWindows(Connection c, List<WindowRow> rows) throws SQLException {
        for (int from = 0; from < rows.size(); from += ROWS_PER_STATEMENT) {
            List<WindowRow> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_STATEMENT));
            StringBuilder sql = new StringBuilder("INSERT INTO sensor_agg_1m (" + AGG_COLUMNS + ") VALUES ");
            for (int i = 0; i < chunk.size(); i++) {
                sql.append(i == 0 ? "" : ",").append("(?,?,?,?,?,?,?,?,?,?,?,?)");
            }
            sql.append(AGG_CONFLICT);
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int p = 1;
                for (WindowRow row : chunk) {
                    WindowResult w = row.window();
                    ps.setString(p++, w.sensor());
                    ps.setTimestamp(p++, new Timestamp(w.windowStart()));
                    ps.setString(p++, w.site());
                    ps.setLong(p++, w.count());
                    ps.setDouble(p++, w.sum());
                    ps.setDouble(p++, w.min());
                    ps.setDouble(p++, w.max());
                    ps.setDouble(p++, w.mean());
                    ps.setDouble(p++, w.stddev());
                    ps.setTimestamp(p++, new Timestamp(w.firstTs()));
                    ps.setTimestamp(p++, new Timestamp(w.lastTs()));
                    ps.setLong(p++, row.version());
                }
                ps.executeUpdate();
            }
        }
    }

    /**
     * COPY into the session's staging table, then one merge. {@code stageMayHoldRows}: when a
     * transaction writes several parts (the split path), each part's merge must see only its rows.
     */
    private static void copyWindows(Connection c, List<WindowRow> rows, boolean stageMayHoldRows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE IF NOT EXISTS sensor_agg_stage (sensor_id text, window_start_ms bigint, "
                    + "site text, count bigint, sum float8, min float8, max float8, mean float8, stddev float8, "
                    + "first_ts_ms bigint, last_ts_ms bigint, version bigint) ON COMMIT DELETE ROWS");
            if (stageMayHoldRows) {
                s.execute("DELETE FROM sensor_agg_stage");
            }
        }
        StringBuilder csv = new StringBuilder(rows.size() * 130);
        for (WindowRow row : rows) {
            WindowResult w = row.window();
            csv.append(quote(w.sensor())).append(',').append(w.windowStart()).append(',').append(quote(w.site()))
                    .append(',').append(w.count()).append(',').append(num(w.sum())).append(',').append(num(w.min()))
                    .append(',').append(num(w.max())).append(',').append(num(w.mean())).append(',')
                    .append(num(w.stddev())).append(',').append(w.firstTs()).append(',').append(w.lastTs())
                    .append(',').append(row.version()).append('\n');
        }
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY sensor_agg_stage (sensor_id, window_start_ms, "
                    + "site, count, sum, min, max, mean, stddev, first_ts_ms, last_ts_ms, version) FROM STDIN WITH (FORMAT csv)",
                    new StringReader(csv.toString()));
        } catch (IOException e) {
            throw new SQLException("COPY failed: " + e.getMessage(), e);
        }
        try (Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO sensor_agg_1m (" + AGG_COLUMNS + ") SELECT sensor_id, "
                    + "to_timestamp(window_start_ms / 1000.0), site, count, sum, min, max, mean, stddev, "
                    + "to_timestamp(first_ts_ms / 1000.0), to_timestamp(last_ts_ms / 1000.0), version FROM sensor_agg_stage"
                    + AGG_CONFLICT);
        }
    }

    /** A CSV field; null (a JSON aggregate without the field) is an unquoted empty field: SQL NULL. */
    private static String quote(String s) {
        return s == null ? "" : '"' + s.replace("\"", "\"\"") + '"';
    }

    /** Shortest exact decimal; NaN and Infinity are spelled as PostgreSQL reads them. */
    private static String num(double d) {
        return Double.toString(d);
    }

    private static void insertAlerts(Connection c, List<AlertRow> alerts) throws SQLException {
        if (alerts.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO alerts (" + ALERT_COLUMNS
                + ") VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING")) {
            for (AlertRow r : alerts) {
                Alert a = r.alert();
                ps.setString(1, r.origin().topic());
                ps.setInt(2, r.origin().partition());
                ps.setLong(3, r.origin().offset());
                ps.setString(4, a.sensor());
                ps.setString(5, a.site());
                ps.setString(6, a.rule());
                ps.setDouble(7, a.value());
                ps.setDouble(8, a.threshold());
                ps.setTimestamp(9, new Timestamp(a.ts()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
