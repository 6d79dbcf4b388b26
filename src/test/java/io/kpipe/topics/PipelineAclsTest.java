package io.kpipe.topics;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.config.KafkaConnection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.Test;

class PipelineAclsTest {
    @Test
    void shouldGrantEachRoleOnlyWhatItsWorkNeedsOnThePrefixedTopics() {
        List<String> acls = PipelineAcls.of("t1-", "t1-kpipe-processor", List.of("t1-kpipe-sink-postgres"))
                .stream().map(PipelineAclsTest::line).toList();

        assertThat(acls).containsExactly(
                "User:source WRITE TOPIC LITERAL t1-points",
                "User:processor READ TOPIC LITERAL t1-points",
                "User:processor READ TOPIC LITERAL t1-devices",
                "User:processor WRITE TOPIC LITERAL t1-points-agg-1m",
                "User:processor WRITE TOPIC LITERAL t1-alerts",
                "User:processor WRITE TOPIC LITERAL t1-points-dlq",
                "User:processor READ GROUP LITERAL t1-kpipe-processor",
                "User:processor WRITE TRANSACTIONAL_ID PREFIXED t1-kpipe-processor",
                "User:processor ALL TOPIC PREFIXED t1-kpipe-processor",
                "User:sink READ TOPIC LITERAL t1-points-agg-1m",
                "User:sink READ TOPIC LITERAL t1-alerts",
                "User:sink READ GROUP LITERAL t1-kpipe-sink-postgres");
    }

    @Test
    void shouldNameTheUserOfTheSaslLoginInMessages() {
        KafkaConnection scram = new KafkaConnection("127.0.0.1:9092", Map.of("sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"sink\" password=\"x\";"));

        assertThat(Connectivity.principal(scram)).isEqualTo("user 'sink'");
        assertThat(Connectivity.principal(KafkaConnection.of("127.0.0.1:9092"))).isEqualTo("this client");
        assertThat(Connectivity.principal(null)).isEqualTo("this client");
    }

    private static String line(AclBinding b) {
        return b.entry().principal() + " " + b.entry().operation() + " " + b.pattern().resourceType() + " "
                + b.pattern().patternType() + " " + b.pattern().name();
    }
}
