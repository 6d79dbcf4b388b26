package io.kpipe.faults;

import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.TopicSettings;
import io.kpipe.model.WindowResult;
import io.kpipe.topics.Connectivity;
import io.kpipe.sink.EmbeddedDatabase;
import io.kpipe.sink.PostgresSink;
import io.kpipe.sink.PostgresWriter;
import io.kpipe.sink.ServerFreeze;
import io.kpipe.topics.TopicAdmin;
import io.kpipe.topics.Topics;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@code kpipe faults --suite sink}: the PostgreSQL sink under database outages, rebalances and bad
 * rows, each on a fresh topic prefix and a fresh embedded PostgreSQL, with a table of the outcomes
 * (docs/sinks.md). The load: {@value #SENSORS} sensors' windows updated in rounds, as a processor's
 * commits would, written straight to {@code points-agg-1m}; the check: the table against the last
 * record of every window on the topic.
 *
 * <pre>
 * rounds 1-3  ──► fault starts ──► rounds 4-6 ──► (a sink joins / leaves) ──► rounds 7-8 ──► fault ends
 *                                                        time to catch up: fault end ──► table exact
 * </pre>
 */
public final class SinkFaultSuite {
    static final int SENSORS = 1000;
    /** Writes to a frozen server fail in seconds, so that the sinks hold and poll instead of hanging. */
    private static final String FAST_FAILING = "?socketTimeout=3&connectTimeout=3";
    private static final Map<String, String> QUICK_GROUP = Map.of("session.timeout.ms", "6000",
            "heartbeat.interval.ms", "1000");

    /** One scenario: the database frozen or not, sinks joining and leaving during the fault, bad records. */
    record Scenario(String name, boolean freeze, int sinks, int joining, int leaving, boolean badRecords) {}

    static List<Scenario> scenarios() {
        return List.of(
                new Scenario("database frozen 15 s (SIGSTOP), 2 sinks", true, 2, 0, 0, false),
                new Scenario("database frozen, a 3rd sink joins meanwhile", true, 2, 1, 0, false),
                new Scenario("database frozen, 1 of 2 sinks leaves unwritten, a 3rd joins", true, 2, 1, 1, false),
                new Scenario("bad records: NUL sensor id, timestamp past PostgreSQL's, not JSON", false, 2, 0, 0, true));
    }

    private final Path dir;
    private final PrintWriter out;

    public SinkFaultSuite(Path dir, PrintWriter out) {
        this.dir = dir;
        this.out = out;
    }

    /** Runs every scenario on one local broker; returns the Markdown table. */
    public String run() throws Exception {
        StringBuilder table = new StringBuilder("""
                | scenario | windows checked | wrong | rejected | time to catch up |
                |---|---|---|---|---|
                """);
        try (LocalCluster cluster = LocalCluster.start(ClusterConfig.ofBrokers(1))) {
            KafkaConnection kafka = new KafkaConnection(cluster.bootstrapServers(), QUICK_GROUP);
            int n = 0;
            for (Scenario s : scenarios()) {
                out.printf("== %s%n", s.name());
                out.flush();
                SinkFaultCheck.Outcome o = once(kafka, s, "sinkfault" + ++n + "-");
                table.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %.1f s |%n", s.name(), o.windows(),
                        o.wrong(), o.rejected(), o.catchUpS()));
            }
        }
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Files.writeString(dir.resolve("table.md"), table);
        return table.toString();
    }

    private SinkFaultCheck.Outcome once(KafkaConnection kafka, Scenario s, String prefix) throws Exception {
        Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = Connectivity.admin(kafka)) {
            new TopicAdmin(admin).ensure(TopicAdmin.specs(topics, new TopicSettings(prefix, 6, 0), 1));
        }
        Path data = dir.resolve(prefix + "postgres");
        List<PostgresSink> sinks = new ArrayList<>();
        try (EmbeddedDatabase db = EmbeddedDatabase.start(data); ServerFreeze freeze = ServerFreeze.of(data);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(Map.of(
                     ProducerConfig.ACKS_CONFIG, "all")), new ByteArraySerializer(), new ByteArraySerializer())) {
            String url = db.jdbcUrl() + FAST_FAILING;
            String password = db.password();
            PostgresSink.checkAndPrepare(url, EmbeddedDatabase.USER, password);
            SinkFaultCheck check = new SinkFaultCheck(kafka, prefix, url, password);
            try {
                for (int i = 0; i < s.sinks(); i++) {
                    sinks.add(start(kafka, prefix, url, password));
                }
                rounds(producer, topics, 1, 3);
                if (s.badRecords()) {
                    bad(producer, topics);
                }
                long faultEnd = System.nanoTime();
                if (s.freeze()) {
                    check.awaitExact(System.nanoTime());   // the fault starts from a table that was exact
                    freeze.freeze();
                    rounds(producer, topics, 4, 6);
                    // The fault's schedule, not a wait for a condition: the sinks take batches they
                    // cannot write and hold them; then the group changes while they hold.
                    Thread.sleep(5000);
                    for (int i = 0; i < s.leaving(); i++) {
                        sinks.remove(0).close();
                    }
                    for (int i = 0; i < s.joining(); i++) {
                        sinks.add(start(kafka, prefix, url, password));
                    }
                    rounds(producer, topics, 7, 8);
                    Thread.sleep(10_000);
                    freeze.thaw();
                    faultEnd = System.nanoTime();
                }
                return check.awaitExact(faultEnd);
            } finally {
                sinks.forEach(PostgresSink::close);
            }
        }
    }

    private static PostgresSink start(KafkaConnection kafka, String prefix, String url, String password) {
        PostgresSink sink = new PostgresSink(new PostgresSink.Config(kafka, prefix, url, EmbeddedDatabase.USER, password,
                PostgresSink.Config.defaultGroup(prefix), PostgresWriter.Mode.COPY));
        Thread t = new Thread(() -> {
            try {
                sink.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kpipe-sink-fault");
        t.setDaemon(true);
        t.start();
        return sink;
    }

    /** Updates {@code from..to} of every sensor's 3 windows; new windows join in later rounds. */
    private static void rounds(KafkaProducer<byte[], byte[]> p, Topics topics, int from, int to) {
        Serializer<WindowResult> serde = topics.aggregates().valueSerde().serializer();
        long w0 = 1_764_000_000_000L;
        for (int round = from; round <= to; round++) {
            for (int s = 0; s < SENSORS; s++) {
                for (int w = 0; w < 3; w++) {
                    long start = w0 + (round / 3 + w) * 60_000L;
                    send(p, topics, serde, new WindowResult("s-" + s, "site-1", "C", start, start + 60_000, round, round,
                            1.0, 1.0, 1.0, 0.0, start, start + round));
                }
            }
        }
        p.flush();
    }

    private static void send(KafkaProducer<byte[], byte[]> p, Topics topics, Serializer<WindowResult> serde, WindowResult w) {
        p.send(new ProducerRecord<>(topics.aggregates().name(), WindowResult.key(w.sensor(), w.windowStart())
                .getBytes(StandardCharsets.UTF_8), serde.serialize(null, w)));
    }

    /** What a hostile producer could write to points-agg-1m: rows PostgreSQL refuses, and bytes that are not JSON. */
    private static void bad(KafkaProducer<byte[], byte[]> p, Topics topics) {
        Serializer<WindowResult> serde = topics.aggregates().valueSerde().serializer();
        long w0 = 1_764_000_000_000L;
        send(p, topics, serde, new WindowResult("s\0nul", "site-1", "C", w0, w0 + 60_000, 1, 1, 1, 1, 1, 0, w0, w0));
        long far = 10_000_000_000_000_000L;
        send(p, topics, serde, new WindowResult("s-far", "site-1", "C", far, far + 60_000, 1, 1, 1, 1, 1, 0, far, far));
        p.send(new ProducerRecord<>(topics.aggregates().name(), "junk".getBytes(StandardCharsets.UTF_8),
                new byte[] {'{', 0, (byte) 0xff}));
        p.flush();
    }
}
