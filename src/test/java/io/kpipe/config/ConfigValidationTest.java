package io.kpipe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigValidationTest {
    private static final KafkaConnection KAFKA = KafkaConnection.of("127.0.0.1:9092");

    @Test
    void shouldNameTheSettingAndTheBadValue() {
        assertThatThrownBy(() -> new GeneratorConfig(KAFKA, "", -1, 10, 0, Duration.ofSeconds(1), 0, 0, 1))
                .isInstanceOf(UsageException.class)
                .hasMessage("--rate: must be a positive number of points per second or 'max', got -1");
        assertThatThrownBy(() -> new GeneratorConfig(KAFKA, "", 0, 10, 0, Duration.ofSeconds(1), 0.7, 0.5, 1))
                .hasMessage("--late-ratio: plus --invalid-ratio must not exceed 1, got 1.2");
        assertThatThrownBy(() -> new TopicSettings("bad prefix", 12, 0))
                .hasMessage("--topic-prefix: may hold only letters, digits, '.', '_' and '-', got 'bad prefix'");
        assertThatThrownBy(() -> new ClusterConfig(0, 0, null, false))
                .hasMessage("--brokers: must be 1..9, got 0");
        assertThatThrownBy(() -> new KafkaConnection("localhost", Map.of()))
                .hasMessage("--bootstrap-servers: 'localhost' is not host:port");
    }

    @Test
    void shouldReplicateThreeWaysWithMinInsyncTwoFromThreeBrokers() {
        assertThat(ClusterConfig.ofBrokers(1).replication()).isEqualTo(1);
        assertThat(ClusterConfig.ofBrokers(1).minInsync()).isEqualTo(1);
        assertThat(ClusterConfig.ofBrokers(3).replication()).isEqualTo(3);
        assertThat(ClusterConfig.ofBrokers(3).minInsync()).isEqualTo(2);
        assertThat(ClusterConfig.ofBrokers(5).replication()).isEqualTo(3);
        assertThat(new TopicSettings("", 12, 0).replicationFor(2)).isEqualTo(2);
        assertThat(TopicSettings.minInsyncFor(2)).isEqualTo(1);
    }

    @Test
    void shouldLetTheUsersClientSettingsWinOverKpipesTuning() {
        KafkaConnection c = new KafkaConnection("h:1", Map.of("linger.ms", "99", "security.protocol", "SSL"));

        var p = c.clientProperties(Map.of("linger.ms", 20, "acks", "all"));

        assertThat(p).containsEntry("linger.ms", "99").containsEntry("acks", "all")
                .containsEntry("security.protocol", "SSL").containsEntry("bootstrap.servers", "h:1");
    }

    @Test
    void shouldRefuseClientSettingsThatWouldSwitchOffTheGuarantees() {
        assertThatThrownBy(() -> new KafkaConnection("h:1", Map.of("processing.guarantee", "at_least_once")))
                .isInstanceOf(UsageException.class)
                .hasMessage("processing.guarantee: cannot be set with -X or --kafka-config: kpipe's books depend on it; "
                        + "use --guarantee exactly_once_v2|at_least_once");
        assertThatThrownBy(() -> new KafkaConnection("h:1", Map.of("acks", "1")))
                .hasMessage("acks: cannot be '1': kpipe's delivery guarantees (and its books) need all or -1 "
                        + "for every producer and consumer it runs");
        assertThatThrownBy(() -> new KafkaConnection("h:1", Map.of("producer.enable.idempotence", "false")))
                .hasMessageStartingWith("producer.enable.idempotence: cannot be 'false'");
        assertThatThrownBy(() -> new KafkaConnection("h:1", Map.of("main.consumer.isolation.level", "read_uncommitted")))
                .hasMessageStartingWith("main.consumer.isolation.level: cannot be 'read_uncommitted'");
        assertThatThrownBy(() -> new KafkaConnection("h:1", Map.of("enable.auto.commit", "true")))
                .hasMessageStartingWith("enable.auto.commit: cannot be 'true'");
    }

    @Test
    void shouldAcceptGuaranteeSettingsThatSayWhatKpipeDoesAnyway() {
        KafkaConnection c = new KafkaConnection("h:1", Map.of("acks", "all", "enable.idempotence", "true",
                "isolation.level", "read_committed", "consumer.enable.auto.commit", "false", "linger.ms", "5"));

        assertThat(c.clientConfig()).hasSize(5);
    }

    @Test
    void shouldNameASettingTheBuilderWasNotGiven() {
        RunConfig.Builder run = RunConfig.builder().cluster(ClusterConfig.ofBrokers(1)).topics(new TopicSettings("", 12, 0))
                .guarantee(ProcessorConfig.Guarantee.EXACTLY_ONCE_V2).threads(2).duration(Duration.ofSeconds(60))
                .sensors(10).drainTimeout(Duration.ofSeconds(120)).httpPort(-1);

        assertThatThrownBy(run::build).isInstanceOf(NullPointerException.class)
                .hasMessage("RunConfig.builder(): rate is required");
        assertThat(run.rate(0).build().rate()).isZero();
        assertThatThrownBy(() -> run.rate(0).processors(17).build())
                .hasMessage("--processors: must be 0..16 (0: the processor runs inside kpipe run), got 17");
    }
}
