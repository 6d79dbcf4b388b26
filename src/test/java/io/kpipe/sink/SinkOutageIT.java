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
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several sink instances and a database that freezes: real brokers, a real PostgreSQL server
 * frozen with SIGSTOP, sink processes killed with SIGKILL.
 */
@Tag("integration")
@Timeout(300)
@ExtendWith(SharedCluster.class)
class SinkOutageIT {
    private static final long W0 = 1_764_000_000_000L;
    private static final int SENSORS = 200;
    /** Fail a write to the frozen server in seconds, not a minute: the sinks then hold and poll. */
    private static final String FAST_FAILING = "?socketTimeout=3&connectTimeout=3";
    /** Find a SIGKILLed member in seconds, so that the group settles while the database is frozen. */
    private static final Map<String, String> QUICK_GROUP = Map.of("session.timeout.ms", "6000",
            "heartbeat.interval.ms", "1000");

    @TempDir
    Path dir;

    @Test
    void shouldEndExactWhenTheDatabaseFreezesWhileOneSinkIsKilledAndAnotherJoins(LocalCluster cluster) throws Exception {
        String prefix = SharedCluster.unique("pgfreeze-");
        KafkaConnection kafka = new KafkaConnection(cluster.bootstrapServers(), QUICK_GROUP);
        Topics topics = Topics.withPrefix(prefix);
        Pipelines.createTopics(kafka, prefix, 6);
        int port = FreePorts.take(1)[0];
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres" + FAST_FAILING;
        Path pgData = dir.resolve("pg");
        List<Process> processes = new ArrayList<>();
        PostgresSink third = null;
        Thread thirdThread = null;
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setPort(port).setDataDirectory(pgData)
                .setCleanDataDirectory(false).start();
             ServerFreeze freezer = ServerFreeze.of(pgData)) {
            PostgresSink.checkAndPrepare(url, "postgres", null);
            produce(kafka, topics, 1, 3, W0, W0 + 60_000);
            alerts(kafka, topics, 0, 10);
            Process a = sinkProcess(cluster, prefix, url, "a");
            processes.add(a);
            processes.add(sinkProcess(cluster, prefix, url, "b"));
            awaitExact(kafka, topics, url);

            freezer.freeze();
            // Taken by the sinks and not writable: they hold their batches. New windows are written
            // once each, so any record lost on the way stays missing from the table.
            produce(kafka, topics, 4, 6, W0, W0 + 60_000);
            produce(kafka, topics, 1, 1, W0 + 120_000);
            alerts(kafka, topics, 10, 20);
            await().atMost(Duration.ofSeconds(60)).until(() -> log("a").contains("PostgreSQL write failed")
                    && log("b").contains("PostgreSQL write failed"));

            a.destroyForcibly();
            assertThat(a.waitFor(30, TimeUnit.SECONDS)).isTrue();
            PostgresSink joining = new PostgresSink(new PostgresSink.Config(kafka, prefix,
                    url, "postgres", null, PostgresSink.Config.defaultGroup(prefix), PostgresWriter.Mode.COPY));
            third = joining;
            thirdThread = new Thread(() -> {
                try {
                    joining.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sink-third");
            thirdThread.start();
            awaitGroupOfTwo(kafka, PostgresSink.Config.defaultGroup(prefix));
            // After the rebalance, more for partitions that changed hands while the batches were held.
            produce(kafka, topics, 7, 8, W0, W0 + 60_000);
            produce(kafka, topics, 1, 1, W0 + 180_000);
            alerts(kafka, topics, 20, 30);
            await().atMost(Duration.ofSeconds(60)).until(() -> joining.retries() > 0);
            freezer.thaw();

            awaitExact(kafka, topics, url);
            assertThat(table(url)).hasSize(SENSORS * 4);
        } finally {
            if (third != null) {
                third.close();
                thirdThread.join(30_000);
            }
            for (Process p : processes) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }

        }
    }

    /** The table equals the last record of every window on the topic, and the alerts table the alerts topic. */
    private static void awaitExact(KafkaConnection kafka, Topics topics, String url) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(wrongWindows(table(url), finalWindows(kafka, topics))).as("windows missing or wrong").isEmpty();
            assertThat(alertsTable(url)).isEqualTo(alertsTopic(kafka, topics));
        });
    }

    /** Every window whose row differs from its last record, as {@code window: row count / topic count}. */
    private static List<String> wrongWindows(Map<String, Long> table, Map<String, Long> topic) {
        java.util.Set<String> keys = new java.util.TreeSet<>(table.keySet());
        keys.addAll(topic.keySet());
        return keys.stream().filter(k -> !java.util.Objects.equals(table.get(k), topic.get(k)))
                .map(k -> k + ": " + table.get(k) + " / " + topic.get(k)).toList();
    }

    /** Updates {@code from..to} of every sensor's windows, each update a record with count = update. */
    private static void produce(KafkaConnection kafka, Topics topics, int from, int to, long... windows) {
        try (KafkaProducer<String, WindowResult> p = new KafkaProducer<>(kafka.clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all")), new StringSerializer(), new WindowResultSerde())) {
            for (int update = from; update <= to; update++) {
                for (int s = 0; s < SENSORS; s++) {
                    for (long w : windows) {
                        WindowResult r = new WindowResult("s-" + s, "site-1", "C", w, w + 60_000, update, update,
                                1.0, 1.0, 1.0, 0.0, w, w + update);
                        p.send(new ProducerRecord<>(topics.aggregates().name(), WindowResult.key(r.sensor(), w), r));
                    }
                }
            }
        }
    }

    private static void alerts(KafkaConnection kafka, Topics topics, int from, int to) {
        try (KafkaProducer<String, Alert> p = new KafkaProducer<>(kafka.clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all")), new StringSerializer(), new JsonSerde<>(Alert.class))) {
            for (int i = from; i < to; i++) {
                p.send(new ProducerRecord<>(topics.alerts().name(), "s-" + i, new Alert("s-" + i, "site-1", "max",
                        100.0 + i, 100.0, W0 + i)));
            }
        }
    }

    /** Sensor, window start and count of the last record of every window (read_committed). */
    private static Map<String, Long> finalWindows(KafkaConnection kafka, Topics topics) {
        Map<String, Long> last = new TreeMap<>();
        WindowResultSerde serde = new WindowResultSerde();
        for (ConsumerRecord<byte[], byte[]> r : Pipelines.readAll(kafka, topics.aggregates().name())) {
            WindowResult w = serde.deserialize(r.topic(), r.value());
            last.put(w.sensor() + "@" + w.windowStart(), w.count());
        }
        return last;
    }

    private static Map<String, Long> table(String url) throws Exception {
        Map<String, Long> rows = new TreeMap<>();
        try (Connection c = PostgresSink.connect(url, "postgres", null); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT sensor_id, (extract(epoch FROM window_start) * 1000)::bigint, count "
                     + "FROM sensor_agg_1m")) {
            while (r.next()) {
                rows.put(r.getString(1) + "@" + r.getLong(2), r.getLong(3));
            }
        }
        return rows;
    }

    private static List<String> alertsTopic(KafkaConnection kafka, Topics topics) {
        JsonSerde<Alert> serde = new JsonSerde<>(Alert.class);
        return Pipelines.readAll(kafka, topics.alerts().name()).stream().map(r -> r.topic() + "/" + r.partition() + "/"
                + r.offset() + " " + serde.deserialize(r.topic(), r.value()).sensor()).sorted().toList();
    }

    private static List<String> alertsTable(String url) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = PostgresSink.connect(url, "postgres", null); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT source_topic, source_partition, source_offset, sensor_id FROM alerts")) {
            while (r.next()) {
                rows.add(r.getString(1) + "/" + r.getInt(2) + "/" + r.getLong(3) + " " + r.getString(4));
            }
        }
        return rows.stream().sorted().toList();
    }

    private static void awaitGroupOfTwo(KafkaConnection kafka, String group) {
        try (Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                return d.groupState() == GroupState.STABLE && d.members().size() == 2
                        && d.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty());
            });
        }
    }

    private Process sinkProcess(LocalCluster cluster, String prefix, String url, String name) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"), "io.kpipe.cli.Main", "sink", "postgres",
                "--bootstrap-servers", cluster.bootstrapServers(), "--topic-prefix", prefix, "--jdbc-url", url,
                "--user", "postgres", "--http-port", "-1"));
        QUICK_GROUP.forEach((k, v) -> cmd.addAll(List.of("-X", k + "=" + v)));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
    }

    private String log(String name) throws Exception {
        return Files.readString(dir.resolve(name + ".log"));
    }
}
