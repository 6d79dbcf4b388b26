package io.kpipe.sink;

import io.kpipe.config.KafkaConnection;
import io.kpipe.config.Secrets;
import io.kpipe.config.UsageException;
import io.kpipe.topics.Topics;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kpipe sink postgres}: a consumer group on {@code points-agg-1m} and {@code alerts}
 * ({@code read_committed}) that writes each batch to PostgreSQL in one transaction, and commits the
 * batch's offsets only after the database committed. A crash between the two replays the batch,
 * and the upserts make the replay harmless. A batch is what arrives within a second of its first
 * record (up to 20,000 records); within a batch only the last update of each window is written.
 * When the database fails (unreachable, out of resources, shutting down, serialization failure:
 * {@link SqlStates}) the sink keeps its batch, retries with backoff (0.2 s doubling to 5 s) and stays
 * in its group with its partitions paused; it catches up once the database is back. A record that
 * can never be written (not JSON, or refused for its data) goes to {@code sink_rejects} and the sink
 * moves on. A window row is only replaced by a newer version of itself, and the rows of a partition
 * the sink loses are dropped, not written ({@link HoldingRebalance}).
 */
public final class PostgresSink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PostgresSink.class);
    private static final long MAX_BACKOFF_MS = 5000;
    /**
     * Records per batch (one transaction) at most: one commit of the processor updates every active
     * sensor's window, 10,000 of them in the default run, and that should be one transaction.
     */
    public static final int MAX_BATCH = 20_000;
    /** How long a batch waits for more records after its first: the processor commits every second. */
    static final long LINGER_MS = 1000;

    /** Where to write, how, and as which consumer group. */
    public record Config(KafkaConnection kafka, String topicPrefix, String jdbcUrl, String user, String password,
                         String group, PostgresWriter.Mode mode) {
        public static String defaultGroup(String topicPrefix) {
            return topicPrefix + "kpipe-sink-postgres";
        }

        /** Printable: the password is masked, and any in the URL. */
        @Override
        public String toString() {
            return Secrets.describe(this);
        }
    }

    private final Config config;
    private final Topics topics;
    private final PostgresWriter writer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong alertRows = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final PositionCommitter positions;
    private final HoldingRebalance rebalance;
    private volatile boolean stop;
    private Connection connection;

    public PostgresSink(Config config) {
        this.config = config;
        this.topics = Topics.withPrefix(config.topicPrefix());
        this.writer = new PostgresWriter(config.mode());
        this.consumer = PositionCommitter.newConsumer(config.kafka(), config.group());
        this.positions = new PositionCommitter(consumer);
        this.rebalance = new HoldingRebalance(consumer);
    }

    /**
     * Connects once and creates the tables if missing. A bad URL, bad credentials or a missing
     * database is the user's to fix: a {@link UsageException} naming the setting.
     */
    public static void checkAndPrepare(String jdbcUrl, String user, String password) {
        checkAndPrepare(jdbcUrl, user, password, "--user/--password-file");
    }

    /** As above; a refused login names {@code credentialFlags}, the flags of the command at hand. */
    public static void checkAndPrepare(String jdbcUrl, String user, String password, String credentialFlags) {
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new UsageException("--jdbc-url", "must be a PostgreSQL JDBC URL (jdbc:postgresql://HOST:PORT/DATABASE), got '"
                    + Secrets.maskText(jdbcUrl) + "'");
        }
        try (Connection c = connect(jdbcUrl, user, password)) {
            PostgresSchema.ensure(c);
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            String setting = state.startsWith("28") ? credentialFlags : "--jdbc-url";
            throw new UsageException(setting, "cannot use " + Secrets.maskText(jdbcUrl) + ": "
                    + Secrets.maskText(firstLine(e.getMessage())));
        }
    }

    static Connection connect(String url, String user, String password) throws SQLException {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("connectTimeout", "10");
        // A frozen or unreachable server must not hold the sink in a read for ever: it would stop
        // polling, and a rebalance of its group would wait for it (max.poll.interval.ms). A batch
        // takes well under a second; after this the write counts as failed and is retried.
        p.setProperty("socketTimeout", "60");
        p.setProperty("reWriteBatchedInserts", "true");
        Connection c = DriverManager.getConnection(url, p);
        // Offsets are committed once the database said "committed": that must survive a crash of the
        // database too, whatever the server's default (the embedded one's is off).
        try (Statement s = c.createStatement()) {
            s.execute("SET synchronous_commit = on");
        }
        c.setAutoCommit(false);
        return c;
    }

    private static String firstLine(String s) {
        int nl = s == null ? -1 : s.indexOf('\n');
        return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
    }

    /** Consumes and writes until {@link #close()} (from another thread). */
    public void run() throws InterruptedException {
        consumer.subscribe(List.of(topics.aggregates().name(), topics.alerts().name()), rebalance);
        try {
            while (!stop) {
                PendingBatch batch = nextBatch();
                boolean written = batch.isEmpty() || writeWithRetries(batch);
                rebalance.release();
                if (written) {
                    positions.commit();
                }
            }
        } catch (WakeupException e) {
            if (!stop) {
                throw e;
            }
        } finally {
            consumer.close(Duration.ofSeconds(10));
            closeConnection();
        }
    }

    /**
     * What arrived within {@link #LINGER_MS} of the first record (or {@link #MAX_BATCH} records):
     * one transaction and one offset commit per processor commit, not one per fetch. The
     * processor's output comes in bursts at its commits, spread over partitions and fetches.
     * A partition revoked meanwhile takes its records out of the batch ({@link HoldingRebalance}).
     */
    private PendingBatch nextBatch() {
        PendingBatch batch = new PendingBatch(topics);
        rebalance.track(batch);
        consumer.poll(Duration.ofMillis(500)).forEach(batch::add);
        if (batch.records() == 0) {
            return batch;
        }
        long deadline = System.currentTimeMillis() + LINGER_MS;
        long left;
        while (!stop && batch.records() < MAX_BATCH && (left = deadline - System.currentTimeMillis()) > 0) {
            consumer.poll(Duration.ofMillis(left)).forEach(batch::add);
        }
        return batch;
    }

    /**
     * Writes a batch, retrying with backoff while the database fails for a reason other than the
     * data ({@link SqlStates}); false if stopped first. Rows the database refuses are rejected
     * inside the write ({@link PostgresWriter}). While it waits the sink still polls, to stay in its
     * group, with every partition paused; a rebalance meanwhile may shrink the batch.
     */
    private boolean writeWithRetries(PendingBatch batch) throws InterruptedException {
        long backoff = 200;
        boolean failing = false;
        while (!stop && !batch.isEmpty()) {
            try {
                if (connection == null) {
                    connection = connect(config.jdbcUrl(), config.user(), config.password());
                }
                List<PendingBatch.WindowRow> windowRows = batch.windows();
                List<Reject> rejected = writer.write(connection, windowRows, batch.alerts(), batch.rejects());
                count(windowRows.size(), batch.alerts().size(), rejected);
                break;
            } catch (SQLException e) {
                closeConnection();
                retries.incrementAndGet();
                if (!failing) {
                    log.warn("PostgreSQL write failed ({}, SQLState {}); retrying with backoff, the batch is kept",
                            firstLine(e.getMessage()), SqlStates.stateOf(e));
                    failing = true;
                    rebalance.hold();
                }
                rebalance.putBack(consumer.poll(Duration.ofMillis(backoff)));
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
        if (stop) {
            return false;
        }
        if (failing) {
            log.info(batch.isEmpty() ? "batch dropped: its partitions moved to another instance while PostgreSQL failed"
                    : "PostgreSQL is back; batch written");
        }
        return true;
    }

    private void count(int windowRows, int alertRowCount, List<Reject> rejected) {
        long rejectedWindows = rejected.stream().filter(r -> r.origin().topic().equals(topics.aggregates().name())
                && r.sqlState() != null).count();
        long rejectedAlerts = rejected.stream().filter(r -> r.origin().topic().equals(topics.alerts().name())
                && r.sqlState() != null).count();
        rows.addAndGet(windowRows - rejectedWindows);
        alertRows.addAndGet(alertRowCount - rejectedAlerts);
        this.rejected.addAndGet(rejected.size());
        batches.incrementAndGet();
        if (!rejected.isEmpty()) {
            log.warn("{} record(s) rejected to sink_rejects, e.g. {}-{}@{}: {}", rejected.size(),
                    rejected.get(0).origin().topic(), rejected.get(0).origin().partition(),
                    rejected.get(0).origin().offset(), rejected.get(0).reason());
        }
    }

    /** Window rows written (upserts, counting rewrites of a window), since start. */
    public long rows() {
        return rows.get();
    }

    public long alertRows() {
        return alertRows.get();
    }

    public long retries() {
        return retries.get();
    }

    /** Records sent to {@code sink_rejects} (undecodable, or refused by the database for their data). */
    public long rejected() {
        return rejected.get();
    }

    /** Batches written, each one transaction. */
    public long batches() {
        return batches.get();
    }

    /** What the table holds: rows and the sum of their counts. */
    public record TableTotals(long rows, long countSum, long alerts) {}

    public static TableTotals totals(String url, String user, String password) throws SQLException {
        try (Connection c = connect(url, user, password); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT (SELECT count(*) FROM sensor_agg_1m), "
                     + "(SELECT coalesce(sum(count), 0) FROM sensor_agg_1m), (SELECT count(*) FROM alerts)")) {
            r.next();
            return new TableTotals(r.getLong(1), r.getLong(2), r.getLong(3));
        }
    }

    /** What {@code sink_rejects} holds for one pipeline: records, the window keys among them, alerts. */
    public record RejectTotals(long records, List<byte[]> windowKeys, long alerts) {}

    /** The rejects of the pipeline with this topic prefix. */
    public static RejectTotals rejects(String url, String user, String password, String topicPrefix)
            throws SQLException {
        Topics t = Topics.withPrefix(topicPrefix);
        try (Connection c = connect(url, user, password)) {
            RejectTable.Totals r = RejectTable.totals(c, t.aggregates().name(), t.alerts().name());
            return new RejectTotals(r.records(), r.windowKeys(), r.alerts());
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Broken anyway.
            }
            connection = null;
        }
    }

    /** Stops {@link #run()}: it finishes or abandons its batch (uncommitted: replayed later) and returns. */
    @Override
    public void close() {
        stop = true;
        consumer.wakeup();
    }
}
