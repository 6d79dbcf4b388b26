package io.kpipe.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kpipe.cluster.LocalCluster;
import io.kpipe.lifecycle.FreePorts;
import io.kpipe.config.KafkaConnection;
import io.kpipe.model.Alert;
import io.kpipe.model.JsonSerde;
import io.kpipe.model.WindowResult;
import io.kpipe.model.WindowResultSerde;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import io.kpipe.topics.Topics;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The PostgreSQL sink against a real PostgreSQL server (embedded binaries) and real brokers. */
@Tag("integration")
@Timeout(180)
@ExtendWith(SharedCluster.class)
class PostgresSinkIT {
    private static final long W0 = 1_764_000_000_000L;

    @TempDir
    Path pgData;

    private EmbeddedPostgres pg;
    private int port;
    private final List<Thread> sinks = new ArrayList<>();
    private final List<PostgresSink> running = new ArrayList<>();

    @BeforeEach
    void startDatabase() throws Exception {
        port = FreePorts.take(1)[0];
        pg = startPostgres();
    }

    private EmbeddedPostgres startPostgres() throws Exception {
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(pgData).setCleanDataDirectory(false).start();
    }

    @AfterEach
    void stop() throws Exception {
        running.forEach(PostgresSink::close);
        for (Thread t : sinks) {
            t.join(20_000);
        }
        if (pg != null) {
            pg.close();
        }
    }

    private String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    private PostgresSink startSink(KafkaConnection kafka, String prefix, String group, PostgresWriter.Mode mode) {
        PostgresSink.checkAndPrepare(url(), "postgres", null);
        PostgresSink sink = new PostgresSink(new PostgresSink.Config(kafka, prefix, url(), "postgres", null, group, mode));
        Thread t = new Thread(() -> {
            try {
                sink.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sink-" + group);
        t.start();
        sinks.add(t);
        running.add(sink);
        return sink;
    }

    /** Every window of 50 sensors in 2 windows gets 3 updates; the last has count 3 and sum 6. Plus 4 alerts. */
    private static Map<String, WindowResult> produce(KafkaConnection kafka, String prefix, int sensors) {
        Topics topics = Topics.withPrefix(prefix);
        Map<String, WindowResult> last = new TreeMap<>();
        try (KafkaProducer<String, WindowResult> p = new KafkaProducer<>(kafka.clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all")), new StringSerializer(), new WindowResultSerde());
             KafkaProducer<String, Alert> a = new KafkaProducer<>(kafka.clientProperties(Map.of(
                     ProducerConfig.ACKS_CONFIG, "all")), new StringSerializer(), new JsonSerde<>(Alert.class))) {
            for (int update = 1; update <= 3; update++) {
                for (int s = 0; s < sensors; s++) {
                    for (long w : new long[] {W0, W0 + 60_000}) {
                        WindowResult r = new WindowResult("s-" + s, "site-" + (s % 3), "C", w, w + 60_000, update,
                                update * (update + 1) / 2.0, 1.0, update, (update + 1) / 2.0, 0.5, w + 1, w + update);
                        String key = WindowResult.key(r.sensor(), w);
                        p.send(new ProducerRecord<>(topics.aggregates().name(), key, r));
                        last.put(key, r);
                    }
                }
            }
            for (int i = 0; i < 4; i++) {
                a.send(new ProducerRecord<>(topics.alerts().name(), "s-" + i,
                        new Alert("s-" + i, "site-" + (i % 3), "max", 120.0 + i, 100.0, W0 + i)));
            }
        }
        return last;
    }

    /** The table as text rows, in key order, without updated_at. */
    private List<String> table() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = PostgresSink.connect(url(), "postgres", null); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT sensor_id, (extract(epoch FROM window_start) * 1000)::bigint, site, count, "
                     + "sum, min, max, mean, stddev, (extract(epoch FROM first_ts) * 1000)::bigint, "
                     + "(extract(epoch FROM last_ts) * 1000)::bigint FROM sensor_agg_1m ORDER BY sensor_id, window_start")) {
            while (r.next()) {
                rows.add(new WindowResult(r.getString(1), r.getString(3), "C", r.getLong(2), r.getLong(2) + 60_000,
                        r.getLong(4), r.getDouble(5), r.getDouble(6), r.getDouble(7), r.getDouble(8), r.getDouble(9),
                        r.getLong(10), r.getLong(11)).toString());
            }
        }
        return rows;
    }

    private static List<String> expected(Map<String, WindowResult> last) {
        return last.values().stream()
                .sorted(java.util.Comparator.comparing(WindowResult::sensor).thenComparing(WindowResult::windowStart))
                .map(WindowResult::toString).toList();
    }

    private void awaitTable(List<String> expected) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).until(() -> {
            try {
                return table().equals(expected);
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void shouldUpsertTheLastValueOfEveryWindowAndEveryAlertOnceAndReplayToTheSameTable(LocalCluster cluster) throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("pg-");
        Pipelines.createTopics(kafka, prefix, 3);
        List<String> expected = expected(produce(kafka, prefix, 50));

        PostgresSink first = startSink(kafka, prefix, prefix + "sink", PostgresWriter.Mode.UPSERT);
        awaitTable(expected);
        await().atMost(Duration.ofSeconds(30)).until(() -> PostgresSink.totals(url(), "postgres", null).alerts() == 4);

        assertThat(table()).hasSize(100).isEqualTo(expected);
        assertThat(PostgresSink.totals(url(), "postgres", null)).isEqualTo(new PostgresSink.TableTotals(100, 300, 4));
        first.close();

        // A new group reads everything again from offset 0, the COPY way this time: the table stays the same.
        PostgresSink replay = startSink(kafka, prefix, prefix + "replay", PostgresWriter.Mode.COPY);
        await().atMost(Duration.ofSeconds(60)).until(() -> replay.rows() >= 100);
        assertThat(table()).isEqualTo(expected);
        assertThat(PostgresSink.totals(url(), "postgres", null)).isEqualTo(new PostgresSink.TableTotals(100, 300, 4));
    }

    @Test
    void shouldKeepItsBatchWhileTheDatabaseIsDownAndCatchUpExactly(LocalCluster cluster) throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("pgdown-");
        Pipelines.createTopics(kafka, prefix, 3);
        PostgresSink sink = startSink(kafka, prefix, prefix + "sink", PostgresWriter.Mode.UPSERT);
        pg.close();
        pg = null;

        List<String> expected = expected(produce(kafka, prefix, 40));
        await().atMost(Duration.ofSeconds(60)).until(() -> sink.retries() >= 3);
        pg = startPostgres();

        awaitTable(expected);
        assertThat(PostgresSink.totals(url(), "postgres", null)).isEqualTo(new PostgresSink.TableTotals(80, 240, 4));
    }

    @Test
    void shouldEndWithAnExactTableWhenTheSinkProcessIsKilledMidBatchAndRestarted(LocalCluster cluster) throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("pgkill-");
        Pipelines.createTopics(kafka, prefix, 3);
        Map<String, WindowResult> last = new TreeMap<>();
        try (KafkaProducer<String, WindowResult> p = new KafkaProducer<>(kafka.clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20)),
                new StringSerializer(), new WindowResultSerde())) {
            for (int update = 1; update <= 10; update++) {
                for (int s = 0; s < 2000; s++) {
                    for (int w = 0; w < 10; w++) {
                        long start = W0 + w * 60_000L;
                        WindowResult r = new WindowResult("s-" + s, "site-1", "C", start, start + 60_000, update,
                                update, 1.0, 1.0, 1.0, 0.0, start, start + update);
                        String key = WindowResult.key(r.sensor(), start);
                        p.send(new ProducerRecord<>(Topics.withPrefix(prefix).aggregates().name(), key, r));
                        last.put(key, r);
                    }
                }
            }
        }
        PostgresSink.checkAndPrepare(url(), "postgres", null);
        String[] args = {"sink", "postgres", "--bootstrap-servers", cluster.bootstrapServers(), "--topic-prefix", prefix,
                "--jdbc-url", url(), "--user", "postgres"};
        Process first = sinkProcess(args);
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(() -> PostgresSink.totals(url(), "postgres", null).rows() > 0);
            first.destroyForcibly();
            first.waitFor();
            assertThat(PostgresSink.totals(url(), "postgres", null).countSum()).as("killed before the end")
                    .isLessThan(200_000);
        } finally {
            first.destroyForcibly();
        }
        Process second = sinkProcess(args);
        try {
            awaitTable(expected(last));
            assertThat(PostgresSink.totals(url(), "postgres", null)).isEqualTo(new PostgresSink.TableTotals(20_000, 200_000, 0));
        } finally {
            second.destroyForcibly();
            second.waitFor();
        }
    }

    private Process sinkProcess(String[] args) throws java.io.IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"), "io.kpipe.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(pgData.resolveSibling(
                pgData.getFileName() + "-sink.log").toFile()).start();
    }

    @Test
    void shouldRefuseABadUrlOrAMissingDatabaseInOneLine() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PostgresSink.checkAndPrepare("postgres://x", null, null))
                .hasMessage("--jdbc-url: must be a PostgreSQL JDBC URL (jdbc:postgresql://HOST:PORT/DATABASE), got 'postgres://x'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PostgresSink.checkAndPrepare(
                        "jdbc:postgresql://127.0.0.1:" + port + "/nosuchdb", "postgres", null))
                .hasMessage("--jdbc-url: cannot use jdbc:postgresql://127.0.0.1:" + port
                        + "/nosuchdb: FATAL: database \"nosuchdb\" does not exist");
    }
}
