package io.kpipe.topics;

import io.kpipe.model.WindowResult;
import io.kpipe.model.WindowResultSerde;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;

/**
 * The pipeline's topics (DESIGN.md), all under one optional prefix so several pipelines, or
 * several tests, share a cluster without touching each other's data.
 */
public record Topics(
        Topic<Bytes, byte[]> points,
        Topic<String, String> devices,
        Topic<String, WindowResult> aggregates,
        Topic<String, String> alerts,
        Topic<Bytes, byte[]> deadLetters) {

    public static Topics withPrefix(String prefix) {
        return new Topics(
                new Topic<>(prefix + "points", Serdes.Bytes(), Serdes.ByteArray()),
                new Topic<>(prefix + "devices", Serdes.String(), Serdes.String()),
                new Topic<>(prefix + "points-agg-1m", Serdes.String(), new WindowResultSerde()),
                new Topic<>(prefix + "alerts", Serdes.String(), Serdes.String()),
                new Topic<>(prefix + "points-dlq", Serdes.Bytes(), Serdes.ByteArray()));
    }

    public List<String> names() {
        return List.of(points.name(), devices.name(), aggregates.name(), alerts.name(), deadLetters.name());
    }
}
