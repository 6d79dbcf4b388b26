package io.kpipe.process;

import io.kpipe.config.ProcessorConfig;
import io.kpipe.model.Aggregate;
import io.kpipe.model.DeadLetter;
import io.kpipe.model.MutablePoint;
import io.kpipe.topics.TopicConfigs;
import io.kpipe.topics.Topics;
import java.nio.ByteBuffer;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serde;
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
 * kpipe's job with the window aggregation written as the Kafka Streams docs write it
 * ({@code --engine dsl}; docs/engines.md): the same front and the same output as
 * {@link PointTopology}, with the DSL's windowed aggregation and its default window store (RocksDB,
 * with the record cache of {@code statestore.cache.max.bytes}) in place of kpipe's
 * {@link WindowAggregateStore}. It exists so the benchmark shows what kpipe's store buys.
 *
 * <pre>
 * points ──► front (DslFront: decode, future, overflow bound, late rule) ──┬─► dead letters ──► points-dlq
 *                                                                          └─► points (timestamp = event time)
 *   ──► groupByKey() ──► windowedBy(TimeWindows.ofSizeAndGrace(window, grace)) ──► aggregate(Aggregate::new, add)
 *   ──► toStream() ──► DslEmit (key sensor@start, JSON with site and unit) ──► points-agg-1m
 * devices ──► devices-store (global, as in PointTopology)
 * </pre>
 *
 * The key is never changed before the aggregation, so there is no repartition topic. Not here: alerts
 * (thresholds and z-score) and {@code --emit final}.
 */
public final class DslTopology {
    /** The DSL's window store (RocksDB, cached, logged to {@code <application id>-dsl-agg-store-changelog}). */
    public static final String STORE = "dsl-agg-store";

    private DslTopology() {}

    /** The topology; window results are also published to {@code live} for HTTP queries. */
    public static Topology build(ProcessorConfig config, ProcessingStats stats, LiveWindows live) {
        Topics topics = Topics.withPrefix(config.topicPrefix());
        Properties props = PointTopology.streamsProperties(config);
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
        PointTopology.addDevices(builder, topics, stats, new RegistryVersions());
        KStream<Bytes, Object> sorted = builder
                .stream(topics.points().name(), Consumed.with(topics.points().keySerde(), topics.points().valueSerde()))
                .processValues(() -> new DslFront(config, stats), Named.as("dsl-front"));
        sorted.split(Named.as("dsl-"))
                .branch((k, v) -> v instanceof DeadLetter.Letter, Branched.withConsumer(dead -> dead
                        .map((k, v) -> {
                            DeadLetter.Letter l = (DeadLetter.Letter) v;
                            return KeyValue.pair(l.key() == null ? null : Bytes.wrap(l.key()), l.value());
                        }, Named.as("dsl-dead-letter"))
                        .to(topics.deadLetters().name(), Produced.with(topics.deadLetters().keySerde(),
                                topics.deadLetters().valueSerde())), "dead"))
                .defaultBranch(Branched.withConsumer(points -> points
                        .groupByKey(Grouped.keySerde(Serdes.Bytes()))
                        .windowedBy(TimeWindows.ofSizeAndGrace(config.windowSize(), config.grace()))
                        .aggregate(Aggregate::new, (k, v, a) -> {
                                    MutablePoint p = (MutablePoint) v;
                                    return a.add(p.timestamp(), p.value());
                                }, Named.as("dsl-window"),
                                Materialized.<Bytes, Aggregate, WindowStore<Bytes, byte[]>>as(STORE)
                                        .withKeySerde(Serdes.Bytes())
                                        .withValueSerde(new AggregateSerde())
                                        .withLoggingEnabled(TopicConfigs.changelog()))
                        .toStream(Named.as("dsl-updates"))
                        .process(() -> new DslEmit(live, config.windowSize().toMillis()), Named.as("dsl-emit"))
                        .to(topics.aggregates().name(), Produced.with(topics.aggregates().keySerde(),
                                topics.aggregates().valueSerde())), "points"));
        return builder.build(props);
    }

    /** The topic Kafka Streams creates for the DSL window store's changelog. */
    public static String changelogTopic(String applicationId) {
        return applicationId + "-" + STORE + "-changelog";
    }

    /** {@link Aggregate} as its fixed {@value Aggregate#BYTES} bytes, for the window store. */
    static final class AggregateSerde implements Serde<Aggregate> {
        @Override
        public org.apache.kafka.common.serialization.Serializer<Aggregate> serializer() {
            return (topic, a) -> {
                if (a == null) {
                    return null;
                }
                ByteBuffer b = ByteBuffer.allocate(Aggregate.BYTES);
                a.writeTo(b);
                return b.array();
            };
        }

        @Override
        public org.apache.kafka.common.serialization.Deserializer<Aggregate> deserializer() {
            return (topic, bytes) -> bytes == null ? null : Aggregate.readFrom(ByteBuffer.wrap(bytes));
        }
    }
}
