package io.kpipe.sink;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.kpipe.model.WindowResult;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code kpipe bench --scenario sink}: how fast {@link PostgresWriter} writes window rows into a
 * fresh embedded PostgreSQL, and what CPU each row costs (the server's processes, and the writing
 * thread: JDBC and encoding). The load is what the sink sees in a run: every sensor's current
 * window updated once per round (one commit of the processor), a new window every
 * {@code roundsPerWindow} rounds, written in batches of {@code batchRows} rows, one transaction each.
 */
public final class SinkCapacity {
    /** One repeat of one mode. */
    public record Repeat(@JsonProperty("rows") long rows, @JsonProperty("seconds") double seconds,
                         @JsonProperty("rows_per_s") double rowsPerS,
                         @JsonProperty("server_cpu_us_per_row") double serverCpuUsPerRow,
                         @JsonProperty("writer_cpu_us_per_row") double writerCpuUsPerRow) {}

    /** Settings of the measurement. */
    public record Load(@JsonProperty("sensors") int sensors, @JsonProperty("rounds") int rounds,
                       @JsonProperty("rounds_per_window") int roundsPerWindow,
                       @JsonProperty("batch_rows") int batchRows) {}

    private SinkCapacity() {}

    /** Measures one mode {@code repeat} times, each on a fresh server with its data under {@code work}. */
    public static List<Repeat> measure(PostgresWriter.Mode mode, Load load, int repeat, Path work, PrintWriter out)
            throws SQLException {
        List<Repeat> repeats = new ArrayList<>();
        for (int i = 1; i <= repeat; i++) {
            try (EmbeddedDatabase db = EmbeddedDatabase.start(work.resolve(mode.name().toLowerCase(Locale.ROOT) + "-" + i))) {
                PostgresSink.checkAndPrepare(db.jdbcUrl(), EmbeddedDatabase.USER, db.password());
                try (Connection c = PostgresSink.connect(db.jdbcUrl(), EmbeddedDatabase.USER, db.password())) {
                    Repeat r = once(new PostgresWriter(mode), c, db, load);
                    out.printf(Locale.ROOT, "sink %s, repeat %d: %,d rows in %.1f s: %,.0f rows/s; CPU per row: "
                                    + "PostgreSQL %.1f us, writer %.1f us%n", mode.name().toLowerCase(Locale.ROOT), i,
                            r.rows(), r.seconds(), r.rowsPerS(), r.serverCpuUsPerRow(), r.writerCpuUsPerRow());
                    out.flush();
                    repeats.add(r);
                }
            }
        }
        return repeats;
    }

    private static Repeat once(PostgresWriter writer, Connection c, EmbeddedDatabase db, Load load) throws SQLException {
        // One window of warm-up (inserts, then updates), not timed.
        for (int round = 0; round < load.roundsPerWindow(); round++) {
            writeRound(writer, c, load, round);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long server0 = db.cpuNanos();
        long t0 = System.nanoTime();
        long rows = 0;
        for (int round = load.roundsPerWindow(); round < load.roundsPerWindow() + load.rounds(); round++) {
            rows += writeRound(writer, c, load, round);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double writerUs = (threads.getCurrentThreadCpuTime() - cpu0) / 1e3 / rows;
        double serverUs = (db.cpuNanos() - server0) / 1e3 / rows;
        return new Repeat(rows, seconds, rows / seconds, serverUs, writerUs);
    }

    /** Every sensor's window of this round, in batches: what the sink writes after one commit. */
    private static long writeRound(PostgresWriter writer, Connection c, Load load, int round) throws SQLException {
        long windowStart = 1_700_000_040_000L + (long) (round / load.roundsPerWindow()) * 60_000;
        int n = round % load.roundsPerWindow() + 1;
        List<PendingBatch.WindowRow> batch = new ArrayList<>(load.batchRows());
        for (int s = 0; s < load.sensors(); s++) {
            WindowResult w = new WindowResult("s-" + s, "site-" + s % 10, "C", windowStart, windowStart + 60_000,
                    100L * n, 5000.0 * n + s, 0.5, 99.5, 50.0, 28.8, windowStart + 10, windowStart + 1000L * n);
            // Versions grow round by round, as source offsets do: every row replaces the last.
            batch.add(new PendingBatch.WindowRow(w, new Origin("bench", 0, (long) round * load.sensors() + s, null, null)));
            if (batch.size() == load.batchRows() || s == load.sensors() - 1) {
                writer.write(c, batch, List.of(), List.of());
                batch.clear();
            }
        }
        return load.sensors();
    }
}
