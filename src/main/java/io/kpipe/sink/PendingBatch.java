package io.kpipe.sink;

import io.kpipe.model.Alert;
import io.kpipe.model.WindowResult;
import io.kpipe.topics.Topics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The records a sink has taken from Kafka and not yet written: the last update of each window, the
 * alerts, and the records already known to be unwritable (not valid JSON). Partitions the consumer
 * loses are {@link #drop dropped} from it: their new owner writes them from the committed offset, and
 * a row written here after that could only be older than the owner's.
 */
final class PendingBatch {
    /** A window's latest update and where it came from; its {@link #version()} orders its updates. */
    record WindowRow(WindowResult window, Origin origin) {
        /**
         * The row's version: the offset of its record on {@code points-agg-1m}. Monotonic per window:
         * a window's key always hashes to the same partition, every update of it is a new record
         * there, and offsets in a partition only grow. Under exactly-once an aborted update never
         * reaches a read_committed sink, and a replay re-reads the same records at the same offsets,
         * so the same update always carries the same version and a later one a greater.
         */
        long version() {
            return origin.offset();
        }
    }

    /** An alert and its place in the alerts topic (its identity: a replay writes the same row). */
    record AlertRow(Alert alert, Origin origin) {}

    /** The table's key of a window: two records of one window must not reach one statement. */
    private record WindowId(String sensor, long windowStart) {}

    private final String aggregatesTopic;
    private final Deserializer<WindowResult> windowSerde;
    private final Deserializer<Alert> alertSerde;
    private final Map<WindowId, WindowRow> windows = new LinkedHashMap<>();
    private final List<AlertRow> alerts = new ArrayList<>();
    private final List<Reject> rejects = new ArrayList<>();
    private int records;

    /** A batch of records from {@code topics}' aggregates and alerts, decoded with the catalog's serdes. */
    PendingBatch(Topics topics) {
        this.aggregatesTopic = topics.aggregates().name();
        this.windowSerde = topics.aggregates().valueSerde().deserializer();
        this.alertSerde = topics.alerts().valueSerde().deserializer();
    }

    /** Takes a record of {@code points-agg-1m} or {@code alerts}; one that is not valid JSON becomes a reject. */
    void add(ConsumerRecord<byte[], byte[]> r) {
        records++;
        if (r.value() == null) {
            return;   // a tombstone deletes nothing here: the table keeps each window's last result
        }
        Origin origin = Origin.of(r);
        try {
            if (r.topic().equals(aggregatesTopic)) {
                WindowResult w = windowSerde.deserialize(r.topic(), r.value());
                if (w == null) {
                    throw new SerializationException("JSON null, not a WindowResult");
                }
                windows.put(new WindowId(w.sensor(), w.windowStart()), new WindowRow(w, origin));
            } else {
                Alert a = alertSerde.deserialize(r.topic(), r.value());
                if (a == null) {
                    throw new SerializationException("JSON null, not an Alert");
                }
                alerts.add(new AlertRow(a, origin));
            }
        } catch (SerializationException e) {
            String why = String.valueOf(e.getMessage());
            rejects.add(new Reject(origin, "undecodable: " + why.lines().findFirst().orElse(why), null));
        }
    }

    /** Forgets everything taken from {@code parts}: they were revoked or lost, and are not ours to write. */
    void drop(Collection<TopicPartition> parts) {
        windows.values().removeIf(w -> w.origin().in(parts));
        alerts.removeIf(a -> a.origin().in(parts));
        rejects.removeIf(r -> r.origin().in(parts));
    }

    /** Records taken, including those superseded by a later update of their window or dropped since. */
    int records() {
        return records;
    }

    boolean isEmpty() {
        return windows.isEmpty() && alerts.isEmpty() && rejects.isEmpty();
    }

    List<WindowRow> windows() {
        return new ArrayList<>(windows.values());
    }

    List<AlertRow> alerts() {
        return List.copyOf(alerts);
    }

    List<Reject> rejects() {
        return List.copyOf(rejects);
    }
}
