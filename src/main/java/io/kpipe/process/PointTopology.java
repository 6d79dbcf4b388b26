package io.kpipe.process;

import io.kpipe.config.ProcessorConfig;
import io.kpipe.topics.TopicConfigs;
import io.kpipe.topics.Topics;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.state.Stores;

/**
 * The processing topology, as plain functions so tests run exactly what production runs.
 *
 * <pre>
 * points ──► aggregate (decode, validate, late rule, alerts, 1-min tumbling windows in agg-store) ──┬──► points-agg-1m (at each commit or once at close, with site and unit)
 *                 ▲                                                                                  ├──► alerts (threshold, z-score)
 *                 │ lookups                                                                          └──► points-dlq (invalid | late, original bytes + reason headers)
 * devices ──► devices-store (global: the whole registry on every instance)
 * </pre>
 *
 * Keys are never changed, so there is no repartition topic: each task aggregates the sensors of
 * its own partition of {@code points}. The window state lives in a {@link WindowAggregateStore}
 * rather than the DSL's window store: same results, a fraction of the per-point cost.
 */
public final class PointTopology {
    public static final String AGGREGATE_STORE = "agg-store";
    public static final String DEVICES_STORE = "devices-store";
    static final String AGGREGATES_SINK = "aggregates";
    static final String ALERTS_SINK = "alerts";
    static final String DLQ_SINK = "dlq";

    private PointTopology() {}

    /** The topic Kafka Streams creates for the window store's changelog. */
    public static String changelogTopic(String applicationId) {
        return applicationId + "-" + AGGREGATE_STORE + "-changelog";
    }

    public static Topology build(ProcessorConfig config, ProcessingStats stats) {
        return build(config, stats, new LiveWindows());
    }

    /** The topology; window results are also published to {@code live} for HTTP queries. */
    public static Topology build(ProcessorConfig config, ProcessingStats stats, LiveWindows live) {
        Topics topics = Topics.withPrefix(config.topicPrefix());
        Topology topology = new Topology(new TopologyConfig(new StreamsConfig(streamsProperties(config))));
        topology.addSource("points", topics.points().keySerde().deserializer(),
                topics.points().valueSerde().deserializer(), topics.points().name());
        RegistryVersions registry = new RegistryVersions();
        topology.addProcessor("aggregate", () -> new PointAggregator(config, stats, live, registry, AGGREGATE_STORE),
                "points");
        // Kafka Streams creates the changelog with these settings (and never changes an existing one). An
        // instance that serves queries (it has an application.server) keeps closed windows in it for them.
        topology.addStateStore(WindowAggregateStore.builder(AGGREGATE_STORE,
                config.windowSize().toMillis(), config.grace().toMillis(), config.emit(), config.applicationServer() != null)
                .withLoggingEnabled(TopicConfigs.changelog()), "aggregate");
        topology.addSink(AGGREGATES_SINK, topics.aggregates().name(), topics.aggregates().keySerde().serializer(),
                topics.aggregates().valueSerde().serializer(), "aggregate");
        topology.addSink(DLQ_SINK, topics.deadLetters().name(), topics.deadLetters().keySerde().serializer(),
                topics.deadLetters().valueSerde().serializer(), "aggregate");
        topology.addSink(ALERTS_SINK, topics.alerts().name(), topics.alerts().keySerde().serializer(),
                topics.alerts().valueSerde().serializer(), "aggregate");
        // The registry, whole on every instance (a global store), filled from the compacted topic. The
        // loader reads the values as bytes and decodes them itself, so that a record that is not a
        // Device is counted and skipped instead of failing the global thread.
        topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(DEVICES_STORE),
                                topics.devices().keySerde(), topics.devices().valueSerde()).withLoggingDisabled(),
                "devices", topics.devices().keySerde().deserializer(), Serdes.ByteArray().deserializer(),
                topics.devices().name(), "devices-loader", () -> new DeviceLoader(topics.devices().valueSerde().deserializer(), stats, registry));
        return topology;
    }

    /**
     * The registry as {@link #build} adds it, for the DSL job ({@link DslTopology}): the same global
     * store, filled by the same loader.
     */
    static void addDevices(org.apache.kafka.streams.StreamsBuilder builder, Topics topics, ProcessingStats stats,
                           RegistryVersions registry) {
        builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(DEVICES_STORE),
                        topics.devices().keySerde(), topics.devices().valueSerde()).withLoggingDisabled(),
                topics.devices().name(),
                org.apache.kafka.streams.kstream.Consumed.with(topics.devices().keySerde(), Serdes.ByteArray()),
                () -> new DeviceLoader(topics.devices().valueSerde().deserializer(), stats, registry));
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
        t.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbys());
        if (config.applicationServer() != null) {
            t.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.applicationServer());
        }
        t.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG),
                Integer.toString(Math.max(1, config.replication() - 1)));
        // Opt in now to what Kafka 5.0 makes the default (and which it warns about otherwise).
        t.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // The partition assignor builds its own StreamsConfig from the main consumer's settings.
        t.put(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), true);
        // No single record may stop a task: a record without a timestamp is stamped on arrival, and one
        // that makes processing throw goes to the dead-letter topic (bad points never throw: they are
        // dead-lettered by the processor itself, bounded in size).
        t.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, MissingTimestampAsArrival.class);
        t.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterOnError.class);
        t.put(DeadLetterOnError.TOPIC_CONFIG, Topics.withPrefix(config.topicPrefix()).deadLetters().name());
        t.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        t.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        t.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        t.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 10);
        t.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 256 * 1024);
        t.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 5000);
        // A processor that dies is noticed within 10 s (not 45 s), and its partitions move on.
        t.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        t.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 3_000);
        return config.kafka().clientProperties(t);
    }
}
