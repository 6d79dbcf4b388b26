package io.kpipe.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.config.ClusterConfig;
import io.kpipe.config.KafkaConnection;
import io.kpipe.testing.Pipelines;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Tag("integration")
@Timeout(180)
class ThreeBrokerClusterIT {
    @Test
    void shouldStartThreeBrokersReplicatingEveryTopicThreeWaysAndStopThemAll() throws Exception {
        List<Long> pids;
        try (LocalCluster cluster = LocalCluster.start(ClusterConfig.ofBrokers(3))) {
            pids = cluster.brokers().stream().map(BrokerProcess::pid).toList();
            KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
            Pipelines.createTopics(kafka, "", 6);
            try (Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
                assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(3);
                var points = admin.describeTopics(List.of("points")).allTopicNames().get().get("points");
                assertThat(points.partitions()).hasSize(6)
                        .allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
                assertThat(topicConfig(admin, "points").get("min.insync.replicas").value()).isEqualTo("2");
                Config broker = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.BROKER, "1")))
                        .all().get().values().iterator().next();
                assertThat(broker.get("offsets.topic.replication.factor").value()).isEqualTo("3");
                assertThat(broker.get("transaction.state.log.replication.factor").value()).isEqualTo("3");
                assertThat(broker.get("transaction.state.log.min.isr").value()).isEqualTo("2");
                assertThat(broker.get("min.insync.replicas").value()).isEqualTo("2");
                assertThat(broker.get("default.replication.factor").value()).isEqualTo("3");
            }
            assertThat(cluster.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+");
        }

        assertThat(pids).hasSize(3).allSatisfy(pid ->
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse());
    }

    private static Config topicConfig(Admin admin, String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r)).all().get().get(r);
    }
}
