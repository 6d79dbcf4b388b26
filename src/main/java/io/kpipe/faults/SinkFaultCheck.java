package io.kpipe.faults;

import io.kpipe.config.KafkaConnection;
import io.kpipe.model.WindowResult;
import io.kpipe.run.Reconciler;
import io.kpipe.sink.EmbeddedDatabase;
import io.kpipe.sink.PostgresSink;
import io.kpipe.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Compares the sink's table with {@code points-agg-1m} window by window: a window is right when its
 * row holds the count of its last record on the topic (read_committed), or when a record of it is
 * in {@code sink_rejects}; wrong otherwise, and so is a row of a window the topic does not have.
 */
final class SinkFaultCheck {
    private static final Duration GIVE_UP = Duration.ofSeconds(180);

    /** Windows on the topic, how many were wrong at the end, records rejected, seconds until exact (NaN: never). */
    record Outcome(long windows, long wrong, long rejected, double catchUpS) {}

    private final KafkaConnection kafka;
    private final String prefix;
    private final Topics topics;
    private final String url;
    private final String password;

    SinkFaultCheck(KafkaConnection kafka, String prefix, String url, String password) {
        this.kafka = kafka;
        this.prefix = prefix;
        this.topics = Topics.withPrefix(prefix);
        this.url = url;
        this.password = password;
    }

    /** Polls until the table is exact or {@link #GIVE_UP}; the time counts from {@code sinceNanos}. */
    Outcome awaitExact(long sinceNanos) throws SQLException, InterruptedException {
        Map<String, String> finalByKey = finalWindows();
        long deadline = System.nanoTime() + GIVE_UP.toNanos();
        while (true) {
            PostgresSink.RejectTotals rejects = PostgresSink.rejects(url, EmbeddedDatabase.USER, password, prefix);
            long wrong = wrong(finalByKey, table(), rejects.windowKeys());
            if (wrong == 0 || System.nanoTime() > deadline) {
                double s = wrong == 0 ? (System.nanoTime() - sinceNanos) / 1e9 : Double.NaN;
                return new Outcome(finalByKey.size(), wrong, rejects.records(), s);
            }
            Thread.sleep(100);   // the table is read 10 times a second: the catch-up time is good to 0.1 s
        }
    }

    private static long wrong(Map<String, String> finalByKey, Set<String> table, List<byte[]> rejectedKeys) {
        Set<String> rejected = new HashSet<>();
        rejectedKeys.forEach(k -> rejected.add(k == null ? "" : new String(k, StandardCharsets.UTF_8)));
        Set<String> expected = new HashSet<>();
        long wrong = 0;
        for (Map.Entry<String, String> e : finalByKey.entrySet()) {
            if (rejected.contains(e.getKey())) {
                continue;
            }
            expected.add(e.getValue());
            if (!table.contains(e.getValue())) {
                wrong++;
            }
        }
        return wrong + table.stream().filter(r -> !expected.contains(r)).count();
    }

    /** Every row as {@code sensor@windowStart=count}. */
    private Set<String> table() throws SQLException {
        Set<String> rows = new HashSet<>();
        try (var c = java.sql.DriverManager.getConnection(url, EmbeddedDatabase.USER, password);
             var s = c.createStatement();
             var r = s.executeQuery("SELECT sensor_id, (extract(epoch FROM window_start) * 1000)::bigint, count "
                     + "FROM sensor_agg_1m")) {
            while (r.next()) {
                rows.add(r.getString(1) + "@" + r.getLong(2) + "=" + r.getLong(3));
            }
        }
        return rows;
    }

    /** The last record of every key on the topic, as the row it should be ({@code sensor@windowStart=count}). */
    private Map<String, String> finalWindows() {
        Deserializer<WindowResult> serde = topics.aggregates().valueSerde().deserializer();
        Map<String, String> last = new HashMap<>();
        String topic = topics.aggregates().name();
        Reconciler.readCommitted(kafka, topic, r -> {
            String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
            last.put(key, row(serde, r));
        });
        return last;
    }

    private static String row(Deserializer<WindowResult> serde, ConsumerRecord<byte[], byte[]> r) {
        try {
            WindowResult w = r.value() == null ? null : serde.deserialize(r.topic(), r.value());
            if (w != null) {
                return w.sensor() + "@" + w.windowStart() + "=" + w.count();
            }
        } catch (SerializationException e) {
            // below: no row can be right for it; the sink must have rejected it
        }
        return "undecodable@" + r.partition() + "/" + r.offset();
    }
}
