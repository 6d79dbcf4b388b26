package io.kpipe.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** The sink's tables, created if missing. Times are {@code timestamptz}; the keys make replays harmless. */
final class PostgresSchema {
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
                PRIMARY KEY (sensor_id, window_start))""";
    /** An alert's identity is its place in the alerts topic: a replay writes the same row again. */
    static final String ALERTS = """
            CREATE TABLE IF NOT EXISTS alerts (
                source_partition integer          NOT NULL,
                source_offset    bigint           NOT NULL,
                sensor_id        text             NOT NULL,
                site             text             NOT NULL,
                rule             text             NOT NULL,
                value            double precision NOT NULL,
                threshold        double precision NOT NULL,
                ts               timestamptz      NOT NULL,
                PRIMARY KEY (source_partition, source_offset))""";

    private PostgresSchema() {}

    static void ensure(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(AGGREGATES);
            s.execute(ALERTS);
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }
}
