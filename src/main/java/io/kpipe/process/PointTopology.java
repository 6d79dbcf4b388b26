package io.kpipe.process;

import io.kpipe.config.ProcessorConfig;
import io.kpipe.model.Aggregate;
import io.kpipe.model.AggregateSerde;
import io.kpipe.model.WindowResult;
import io.kpipe.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The processing topology, as plain functions so tests run exactly what production runs.
 *
 * <pre>
 * points ──► decode ──┬─ valid ──► 1-min tumbling window aggregate (store: agg-store) ──► points-agg-1m
 *                     └─ rejected (invalid | late) ──► original bytes + reason headers ──► points-dlq
 * </pre>
 *
 * Keys are never changed before the aggregate, so there is no repartition topic: each task
 * aggregates the sensors of its own partition of {@code points}.
 */
public final class PointTopology {
    public static final String AGGREGATE_STORE = "agg-store";

    private PointTopology() {}

    public static Topology build(ProcessorConfig config, ProcessingStats stats) {
        Topics topics = Topics.withPrefix(config.topicPrefix());
        // The builder sees the real settings (otherwise it builds a default StreamsConfig of its own).
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsProperties(config))));
        KStream<Bytes, Decoded> decoded = builder
                .stream(topics.points().name(), Consumed.with(Serdes.Bytes(), Serdes.ByteArray()).withName("points"))
                .processValues(() -> new DecodeProcessor(config, stats), Named.as("decode"));
        Map<String, KStream<Bytes, Decoded>> routes = decoded.split(Named.as("route-"))
                .branch((k, d) -> d.valid, Branched.as("valid"))
                .defaultBranch(Branched.as("rejected"));

        routes.get("route-rejected")
                .mapValues(d -> d.original, Named.as("original-bytes"))
                .to(topics.deadLetters().name(), Produced.with(Serdes.Bytes(), Serdes.ByteArray()).withName("dlq"));

        routes.get("route-valid")
                .groupByKey(Grouped.keySerde(Serdes.Bytes()))
                .windowedBy(TimeWindows.ofSizeAndGrace(config.windowSize(), config.grace()))
                .aggregate(Aggregate::new,
                        (key, d, agg) -> agg.add(d.point.timestamp(), d.point.value()),
                        Named.as("aggregate"),
                        Materialized.<Bytes, Aggregate, WindowStore<Bytes, byte[]>>as(AGGREGATE_STORE)
                                .withKeySerde(Serdes.Bytes())
                                .withValueSerde(new AggregateSerde())
                                .withRetention(config.windowSize().plus(config.grace())))
                .toStream(Named.as("window-updates"))
                .map((window, agg) -> {
                    String sensor = new String(window.key().get(), StandardCharsets.UTF_8);
                    long start = window.window().start();
                    return KeyValue.pair(WindowResult.key(sensor, start),
                            WindowResult.of(sensor, start, window.window().end(), agg));
                }, Named.as("to-result"))
                .to(topics.aggregates().name(),
                        Produced.with(topics.aggregates().keySerde(), topics.aggregates().valueSerde())
                                .withName("aggregates"));
        return builder.build();
    }

    /** Streams settings: kpipe's tuning first, the user's client settings on top. */
    public static Properties streamsProperties(ProcessorConfig config) {
        Map<String, Object> t = new HashMap<>();
        t.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        t.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.guarantee().kafkaName());
        t.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.threads());
        t.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
        t.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, config.cacheBytes());
        t.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        t.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.replication());
        t.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG),
                Integer.toString(Math.max(1, config.replication() - 1)));
        // Opt in now to what Kafka 5.0 makes the default (and which it warns about otherwise).
        t.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // The partition assignor builds its own StreamsConfig from the main consumer's settings.
        t.put(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), true);
        t.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        t.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        t.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        t.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 10);
        t.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 256 * 1024);
        t.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 5000);
        return config.kafka().clientProperties(t);
    }
}
