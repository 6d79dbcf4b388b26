package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.GeneratorConfig;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.config.ProcessorConfig.Guarantee;
import io.kpipe.config.RunConfig;
import io.kpipe.config.TopicSettings;
import io.kpipe.config.UsageException;
import io.kpipe.generate.Generator;
import io.kpipe.generate.GeneratorResult;
import io.kpipe.model.BinaryPoint;
import io.kpipe.model.DeadLetter;
import io.kpipe.model.WindowResult;
import io.kpipe.model.WindowResultSerde;
import io.kpipe.process.PointProcessor;
import io.kpipe.process.ProcessingStats;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import io.kpipe.topics.Topics;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
@ExtendWith(SharedCluster.class)
@Timeout(180)
class PipelineIT {
    @TempDir
    Path stateDir;

    @Test
    void shouldReconcileGeneratedPointsExactlyWithInvalidAndLatePoints(LocalCluster cluster) throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("gen-");
        Pipelines.createTopics(kafka, prefix, 4);
        ProcessorConfig pc = ProcessorConfig.builder(kafka, prefix, stateDir, 1).applicationId(prefix + "app").build();
        ProcessingStats stats = new ProcessingStats();

        GeneratorResult sent;
        Reconciler.Output out;
        try (PointProcessor processor = PointProcessor.start(pc, stats)) {
            assertThat(processor.awaitRunning(Duration.ofSeconds(60))).isTrue();
            try (Generator g = new Generator(new GeneratorConfig(kafka, prefix, 0, 500, 50_000, null, 0.02, 0.01, 7))) {
                sent = g.run();
            }
            try (Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
                assertThat(new Drain(admin, pc.applicationId(), prefix + "points").await(Duration.ofSeconds(90))).isTrue();
            }
            out = new Reconciler(kafka, Topics.withPrefix(prefix), 60_000).read();
        }

        assertThat(sent.produced()).isEqualTo(50_000);
        assertThat(sent.sendFailed()).isZero();
        assertThat(sent.invalid()).isBetween(700L, 1_300L);
        assertThat(out.invalid()).isEqualTo(sent.invalid());
        assertThat(out.aggregatedCount() + out.late()).isEqualTo(sent.valid());
        assertThat(out.late()).isPositive().isLessThanOrEqualTo(sent.lateIntended());
        assertThat(stats.processed()).isEqualTo(50_000);
        assertThat(stats.invalid()).isEqualTo(sent.invalid());
        assertThat(stats.late()).isEqualTo(out.late());
    }

    @Test
    void shouldAggregateKnownPointsOfEveryFormatExactly(LocalCluster cluster) throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("formats-");
        Pipelines.createTopics(kafka, prefix, 2);
        long w = System.currentTimeMillis() / 60_000 * 60_000 - 120_000;
        byte[] bad = utf8("s-a," + w + ",warm");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                kafka.clientProperties(Map.of("acks", "all")), new ByteArraySerializer(), new ByteArraySerializer())) {
            String t = prefix + "points";
            p.send(new ProducerRecord<>(t, utf8("s-a"), BinaryPoint.encode(w + 1_000, 1.0)));
            p.send(new ProducerRecord<>(t, utf8("s-a"), utf8("{\"sensor\":\"s-a\",\"ts\":" + (w + 2_000) + ",\"value\":2}")));
            p.send(new ProducerRecord<>(t, utf8("s-a"), utf8("s-a," + (w + 3_000) + ",3.0")));
            p.send(new ProducerRecord<>(t, utf8("s-b"), BinaryPoint.encode(w + 61_000, 10.0)));
            p.send(new ProducerRecord<>(t, utf8("s-a"), bad));
        }
        ProcessorConfig pc = ProcessorConfig.builder(kafka, prefix, stateDir, 1).applicationId(prefix + "app").build();

        try (PointProcessor processor = PointProcessor.start(pc, new ProcessingStats());
             Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
            assertThat(new Drain(admin, pc.applicationId(), prefix + "points").await(Duration.ofSeconds(90))).isTrue();
        }
        Map<String, WindowResult> windows = new HashMap<>();
        for (var r : readAll(kafka, prefix + "points-agg-1m")) {
            windows.put(new String(r.key(), StandardCharsets.UTF_8), new WindowResultSerde().deserialize("", r.value()));
        }
        List<ConsumerRecord<byte[], byte[]>> dead = readAll(kafka, prefix + "points-dlq");

        assertThat(windows).containsOnlyKeys(WindowResult.key("s-a", w), WindowResult.key("s-b", w + 60_000));
        WindowResult a = windows.get(WindowResult.key("s-a", w));
        assertThat(a).isEqualTo(new WindowResult("s-a", "unknown", null, w, w + 60_000, 3, 6.0, 1.0, 3.0, 2.0, Math.sqrt(2.0 / 3), w + 1_000, w + 3_000));
        assertThat(windows.get(WindowResult.key("s-b", w + 60_000)).sum()).isEqualTo(10.0);
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo(bad);
        assertThat(DeadLetter.text(dead.get(0).headers(), DeadLetter.ERROR)).isEqualTo("CSV field 'value' is not a number: 'warm'");
        assertThat(DeadLetter.text(dead.get(0).headers(), DeadLetter.SOURCE_TOPIC)).isEqualTo(prefix + "points");
    }

    @Test
    void shouldRunThePipelineOnAnExistingClusterAndRefuseToReuseItsTopics(LocalCluster cluster) throws Exception {
        String prefix = SharedCluster.unique("run-");
        RunConfig config = RunConfig.builder()
                .cluster(ClusterConfig.ofBrokers(1))
                .bootstrapServers(cluster.bootstrapServers())
                .topics(new TopicSettings(prefix, 6, 0))
                .guarantee(Guarantee.AT_LEAST_ONCE)
                .threads(1)
                .duration(Duration.ofSeconds(4))
                .rate(20_000)
                .sensors(1_000)
                .invalidRatio(0.01)
                .lateRatio(0.01)
                .drainTimeout(Duration.ofSeconds(90))
                .httpPort(-1)
                .build();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        RunSummary s = new PipelineRun(config, new java.io.PrintWriter(progress, true, StandardCharsets.UTF_8)).execute().summary();

        assertThat(s.ok()).as(s.describe()).isTrue();
        assertThat(s.drained()).isTrue();
        assertThat(s.produced()).isPositive().isLessThanOrEqualTo(90_000L);   // at most 20k/s over 4 s, plus the burst
        assertThat(s.aggregated() + s.late()).isEqualTo(s.producedValid());
        assertThat(s.dlq()).isEqualTo(s.producedInvalid()).isPositive();
        assertThat(s.partitions()).isEqualTo(6);
        assertThat(s.guarantee()).isEqualTo("at_least_once");
        assertThat(progress.toString(StandardCharsets.UTF_8)).containsPattern("\\[ +1s/4s\\] in +[0-9,]+/s +out");
        assertThatThrownBy(() -> new PipelineRun(config, new java.io.PrintWriter(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).execute())
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("--topic-prefix: topic '" + prefix + "points' already holds " + s.produced() + " records");
    }

    static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaConnection kafka, String topic) {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(kafka.clientProperties(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        return all;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
