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
import io.kpipe.run.Reconciler;
import io.kpipe.run.RunSummary;
import io.kpipe.run.SinkBooks;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import io.kpipe.topics.Topics;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rows PostgreSQL can never hold, records that are not JSON, stale versions and older schemas,
 * against a real PostgreSQL server (embedded binaries) and real brokers.
 */
@Tag("integration")
@Timeout(180)
@ExtendWith(SharedCluster.class)
class PostgresRejectsIT {
    private static final long W0 = 1_764_000_000_000L;
    /** Year 318,857: a Java timestamp, but past PostgreSQL's last (294,276). */
    private static final long BEYOND_POSTGRES = 10_000_000_000_000_000L;

    @TempDir
    Path pgData;

    private EmbeddedPostgres pg;
    private String url;
    private final List<Thread> threads = new ArrayList<>();
    private final List<PostgresSink> sinks = new ArrayList<>();

    @BeforeEach
    void startDatabase() throws Exception {
        int port = FreePorts.take(1)[0];
        pg = EmbeddedPostgres.builder().setPort(port).setDataDirectory(pgData).setCleanDataDirectory(false).start();
        url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    @AfterEach
    void stop() throws Exception {
        sinks.forEach(PostgresSink::close);
        for (Thread t : threads) {
            t.join(20_000);
        }
        pg.close();
    }

    private PostgresSink startSink(KafkaConnection kafka, String prefix, PostgresWriter.Mode mode) {
        PostgresSink.checkAndPrepare(url, "postgres", null);
        PostgresSink sink = new PostgresSink(new PostgresSink.Config(kafka, prefix, url, "postgres", null,
                prefix + "sink", mode));
        Thread t = new Thread(() -> {
            try {
                sink.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sink-" + prefix);
        t.start();
        threads.add(t);
        sinks.add(sink);
        return sink;
    }

    private static WindowResult window(String sensor, long start, long count) {
        return new WindowResult(sensor, "site-1", "C", start, start + 60_000, count, count, 1.0, 1.0, 1.0, 0.0,
                start, start + 1);
    }

    /** 10 good windows (counts 1..10), the given bad ones, and 3 alerts, as a producer of points-agg-1m could. */
    private static void produce(KafkaConnection kafka, String prefix, List<WindowResult> bad) {
        Topics topics = Topics.withPrefix(prefix);
        try (KafkaProducer<String, WindowResult> p = new KafkaProducer<>(kafka.clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all")), new StringSerializer(), new WindowResultSerde());
             KafkaProducer<String, Alert> a = new KafkaProducer<>(kafka.clientProperties(Map.of(
                     ProducerConfig.ACKS_CONFIG, "all")), new StringSerializer(), new JsonSerde<>(Alert.class))) {
            List<WindowResult> all = new ArrayList<>();
            for (int s = 0; s < 10; s++) {
                all.add(window("s-" + s, W0, s + 1));
            }
            all.addAll(bad);
            for (WindowResult w : all) {
                p.send(new ProducerRecord<>(topics.aggregates().name(), WindowResult.key(w.sensor(), w.windowStart()), w));
            }
            for (int i = 0; i < 3; i++) {
                a.send(new ProducerRecord<>(topics.alerts().name(), "s-" + i, new Alert("s-" + i, "site-1", "max",
                        120.0, 100.0, W0 + i)));
            }
        }
    }

    private List<List<String>> rejects() throws Exception {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = PostgresSink.connect(url, "postgres", null); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT source_topic, record_key_text, reason, coalesce(sql_state, ''), "
                     + "encode(record_key, 'escape') FROM sink_rejects ORDER BY source_topic, source_partition, source_offset")) {
            while (r.next()) {
                rows.add(List.of(r.getString(1), String.valueOf(r.getString(2)), r.getString(3), r.getString(4),
                        String.valueOf(r.getString(5))));
            }
        }
        return rows;
    }

    @ParameterizedTest
    @EnumSource(PostgresWriter.Mode.class)
    void shouldRejectANulByteSensorAndAnOutOfRangeTimestampAndWriteEverythingElse(PostgresWriter.Mode mode,
                                                                                  LocalCluster cluster) throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("pgbad-");
        Pipelines.createTopics(kafka, prefix, 3);
        produce(kafka, prefix, List.of(window("s\0nul", W0, 5), window("s-far", BEYOND_POSTGRES, 7)));

        PostgresSink sink = startSink(kafka, prefix, mode);
        await().atMost(Duration.ofSeconds(90)).until(() -> sink.rejected() == 2
                && PostgresSink.totals(url, "postgres", null).equals(new PostgresSink.TableTotals(10, 55, 3)));

        Topics topics = Topics.withPrefix(prefix);
        assertThat(rejects()).hasSize(2).allSatisfy(r -> {
            assertThat(r.get(0)).isEqualTo(topics.aggregates().name());
            assertThat(r.get(2)).startsWith("sensor_agg_1m: ");
            assertThat(r.get(3)).as("SQLState: a data exception").startsWith("22");
        });
        assertThat(rejects()).extracting(r -> r.get(1)).containsExactlyInAnyOrder(
                WindowResult.key("s\uFFFDnul", W0), WindowResult.key("s-far", BEYOND_POSTGRES));
        // The key bytes are kept as they came, NUL and all.
        assertThat(rejects()).extracting(r -> r.get(4)).contains(WindowResult.key("s\\000nul", W0));

        // kpipe run's books: 12 windows on the topic = 10 rows + 2 rejected; counts 55 + 5 + 7.
        Reconciler.Output out = new Reconciler(kafka, topics, 60_000).read();
        RunSummary.Sink books = SinkBooks.of(PostgresSink.totals(url, "postgres", null),
                PostgresSink.rejects(url, "postgres", null, prefix), sink.rows(), out);
        assertThat(books.rejected()).isEqualTo(2);
        assertThat(books.rejectedWindows()).isEqualTo(2);
        assertThat(books.accountsFor(out.windows(), out.aggregatedCount(), out.alerts())).isTrue();
        assertThat(out.windows()).isEqualTo(12);
    }

    @ParameterizedTest
    @EnumSource(PostgresWriter.Mode.class)
    void shouldRejectRecordsThatAreNotJsonOnEitherTopicAndMoveOn(PostgresWriter.Mode mode, LocalCluster cluster)
            throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("pgjunk-");
        Pipelines.createTopics(kafka, prefix, 3);
        Topics topics = Topics.withPrefix(prefix);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all")), new ByteArraySerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topics.aggregates().name(), "junk-1".getBytes(StandardCharsets.UTF_8),
                    "{\"sensor\": \u0000".getBytes(StandardCharsets.UTF_8)));
            p.send(new ProducerRecord<>(topics.alerts().name(), "junk-2".getBytes(StandardCharsets.UTF_8),
                    new byte[] {(byte) 0xff, 0, 1}));
        }
        produce(kafka, prefix, List.of());

        PostgresSink sink = startSink(kafka, prefix, mode);
        await().atMost(Duration.ofSeconds(90)).until(() -> sink.rejected() == 2
                && PostgresSink.totals(url, "postgres", null).equals(new PostgresSink.TableTotals(10, 55, 3)));

        assertThat(rejects()).extracting(r -> r.get(0), r -> r.get(1), r -> r.get(3)).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(topics.aggregates().name(), "junk-1", ""),
                org.assertj.core.groups.Tuple.tuple(topics.alerts().name(), "junk-2", ""));
        assertThat(rejects()).allSatisfy(r -> assertThat(r.get(2)).startsWith("undecodable: "));
    }
}
