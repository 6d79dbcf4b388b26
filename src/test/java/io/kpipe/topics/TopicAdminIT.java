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
