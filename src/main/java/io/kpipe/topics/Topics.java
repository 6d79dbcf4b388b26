package io.kpipe.topics;

import io.kpipe.model.Alert;
import io.kpipe.model.Device;
import io.kpipe.model.JsonSerde;
import io.kpipe.model.WindowResult;
import io.kpipe.model.WindowResultSerde;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;

/**
 * The pipeline's topics, the one place that names them and says what their keys and values are
 * (wire formats in docs/pipeline.md). All under one optional prefix, so several pipelines, or
 * several tests, share a cluster without touching each other's data.
 *
 * <pre>
 * points         sensor id (UTF-8)       a point: binary, JSON or CSV (decoded by model.PointDecoder)
 * devices        sensor id               Device as JSON (compacted)
 * points-agg-1m  sensor@window start     WindowResult as JSON (compacted and deleted)
 * alerts         sensor id               Alert as JSON
 * points-dlq     the original key        the original bytes, the reason in headers
 * </pre>
 *
 * Keys of {@code points} and {@code points-dlq} are {@link Bytes} as the processor reads them;
 * a producer that holds the key as a {@code byte[]} writes the same bytes.
 */
public record Topics(
        Topic<Bytes, byte[]> points,
        Topic<String, Device> devices,
        Topic<String, WindowResult> aggregates,
        Topic<String, Alert> alerts,
        Topic<Bytes, byte[]> deadLetters) {

    public static Topics withPrefix(String prefix) {
        return new Topics(
                new Topic<>(prefix + "points", Serdes.Bytes(), Serdes.ByteArray()),
                new Topic<>(prefix + "devices", Serdes.String(), new JsonSerde<>(Device.class)),
                new Topic<>(prefix + "points-agg-1m", Serdes.String(), new WindowResultSerde()),
                new Topic<>(prefix + "alerts", Serdes.String(), new JsonSerde<>(Alert.class)),
                new Topic<>(prefix + "points-dlq", Serdes.Bytes(), Serdes.ByteArray()));
    }

    public List<String> names() {
        return List.of(points.name(), devices.name(), aggregates.name(), alerts.name(), deadLetters.name());
    }
}
