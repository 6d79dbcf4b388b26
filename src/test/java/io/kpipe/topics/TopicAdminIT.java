package io.kpipe.topics;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.cli.Main;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.KafkaConnection;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Tag("integration")
@ExtendWith(SharedCluster.class)
@Timeout(120)
class TopicAdminIT {
    @Test
    void shouldCreateEveryTopicOnceAndFindThemUnchangedTheSecondTime(LocalCluster cluster) {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String p = SharedCluster.unique("topics-");

        List<TopicAdmin.Outcome> first = Pipelines.createTopics(kafka, p, 3);
        List<TopicAdmin.Outcome> second = Pipelines.createTopics(kafka, p, 3);

        assertThat(first).extracting(TopicAdmin.Outcome::toString).containsExactly(
                "created " + p + "points", "created " + p + "devices", "created " + p + "points-agg-1m",
                "created " + p + "alerts", "created " + p + "points-dlq");
        assertThat(second).extracting(TopicAdmin.Outcome::status).containsOnly(TopicAdmin.Outcome.Status.EXISTS);
    }

    /**
     * A result of old data (a window of a replay, or of a device whose clock is hours behind) is
     * stamped by the broker when written: a retention of 30 minutes keeps it 30 minutes from then.
     * Stamped with its event time, two hours old, it was deleted at the broker's next retention
     * check, before a sink or the run's books read it (a run's books once found a window on the
     * PostgreSQL sink that {@code points-agg-1m} no longer had). A dead letter keeps its point's
     * record timestamp, which the books read for a point without {@code ts}.
     */
    @Test
    void shouldStampResultsWhenWrittenAndKeepTheTimestampOfADeadLetter(LocalCluster cluster) throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String p = SharedCluster.unique("stamps-");
        Pipelines.createTopics(kafka, p, 1);
        long twoHoursAgo = System.currentTimeMillis() - 7_200_000L;
        long oneMinuteAgo = System.currentTimeMillis() - 60_000L;
        long before = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(Map.of()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String topic : List.of("points-agg-1m", "alerts")) {
                producer.send(new ProducerRecord<>(p + topic, 0, twoHoursAgo, "s-1".getBytes(StandardCharsets.UTF_8),
                        "{}".getBytes(StandardCharsets.UTF_8))).get();
            }
            // Within the retention: a dead letter stamped two hours back could be deleted by a retention check
            // before it is read back, which is what this test shows for the results.
            producer.send(new ProducerRecord<>(p + "points-dlq", 0, oneMinuteAgo, "s-1".getBytes(StandardCharsets.UTF_8),
                    "{}".getBytes(StandardCharsets.UTF_8))).get();
        }

        for (String topic : List.of("points-agg-1m", "alerts")) {
            List<ConsumerRecord<byte[], byte[]>> read = Pipelines.readAll(kafka, p + topic);
            assertThat(read).as(topic).hasSize(1);
            assertThat(read.get(0).timestampType()).as(topic).isEqualTo(TimestampType.LOG_APPEND_TIME);
            assertThat(read.get(0).timestamp()).as(topic).isGreaterThanOrEqualTo(before);
        }
        List<ConsumerRecord<byte[], byte[]>> dlq = Pipelines.readAll(kafka, p + "points-dlq");
        assertThat(dlq).hasSize(1);
        assertThat(dlq.get(0).timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(dlq.get(0).timestamp()).isEqualTo(oneMinuteAgo);
    }

    @Test
    void shouldReportATopicCreatedWithOtherSettingsAndExitWithOne(LocalCluster cluster) throws Exception {
        String p = SharedCluster.unique("mismatch-");
        try (Admin admin = Admin.create(KafkaConnection.of(cluster.bootstrapServers()).clientProperties(Map.of()))) {
            admin.createTopics(List.of(new NewTopic(p + "points", 3, (short) 1))).all().get();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int code = Main.execute(new String[] {"topics", "create", "--bootstrap-servers", cluster.bootstrapServers(),
                "--topic-prefix", p, "--partitions", "12"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);

        assertThat(code).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(String.join("\n",
                "MISMATCH " + p + "points: partitions 3, expected 12; compression.type=producer, expected lz4; "
                        + "retention.ms=604800000, expected 1800000; segment.bytes=1073741824, expected 67108864; "
                        + "segment.ms=604800000, expected 300000",
                "created " + p + "devices", "created " + p + "points-agg-1m", "created " + p + "alerts",
                "created " + p + "points-dlq", ""));
    }
}
