package io.kpipe.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code sink_rejects}: the sink's dead letters. One row per source record that can never be
 * written (not valid JSON, or refused by the database with a data or integrity error), keyed by its
 * place in Kafka so that a replay of the batch inserts nothing twice.
 */
final class RejectTable {
    static final String DDL = """
            CREATE TABLE IF NOT EXISTS sink_rejects (
                source_topic     text        NOT NULL,
                source_partition integer     NOT NULL,
                source_offset    bigint      NOT NULL,
                record_key       bytea,
                record_key_text  text,
                record_value     bytea,
                value_size       integer,
                reason           text        NOT NULL,
                sql_state        text,
                rejected_at      timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (source_topic, source_partition, source_offset))""";
    /** Values are kept up to this size (a hostile record may be megabytes); value_size says how big it was. */
    static final int MAX_VALUE_BYTES = 4096;

    /** What the table holds for one pipeline's topics: rejected records, the window keys among them, alerts. */
    record Totals(long records, List<byte[]> windowKeys, long alerts) {}

    private RejectTable() {}

    /** Inserts in the caller's transaction; a reject already there (a replay) is left as it is. */
    static void insert(Connection c, List<Reject> rejects) throws SQLException {
        if (rejects.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO sink_rejects (source_topic, source_partition, "
                + "source_offset, record_key, record_key_text, record_value, value_size, reason, sql_state) "
                + "VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING")) {
            for (Reject r : rejects) {
                Origin o = r.origin();
                byte[] value = o.value();
                ps.setString(1, o.topic());
                ps.setInt(2, o.partition());
                ps.setLong(3, o.offset());
                ps.setBytes(4, o.key());
                ps.setString(5, r.keyText());
                ps.setBytes(6, value == null || value.length <= MAX_VALUE_BYTES ? value
                        : Arrays.copyOf(value, MAX_VALUE_BYTES));
                if (value == null) {
                    ps.setNull(7, java.sql.Types.INTEGER);
                } else {
                    ps.setInt(7, value.length);
                }
                ps.setString(8, r.reason());
                ps.setString(9, r.sqlState());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The rejects of records from {@code aggregatesTopic} and {@code alertsTopic}. */
    static Totals totals(Connection c, String aggregatesTopic, String alertsTopic) throws SQLException {
        List<byte[]> keys = new ArrayList<>();
        long alerts = 0;
        long records = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT source_topic, record_key FROM sink_rejects "
                + "WHERE source_topic IN (?, ?)")) {
            ps.setString(1, aggregatesTopic);
            ps.setString(2, alertsTopic);
            try (ResultSet r = ps.executeQuery()) {
                while (r.next()) {
                    records++;
                    if (r.getString(1).equals(alertsTopic)) {
                        alerts++;
                    } else {
                        keys.add(r.getBytes(2));
                    }
                }
            }
        }
        return new Totals(records, keys, alerts);
    }
}
