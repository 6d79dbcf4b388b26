package io.kpipe.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kpipe.config.ChaosEvent;
import io.kpipe.config.UsageException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ChaosSpecTest {
    @Test
    void shouldParseEveryActionInTimeOrder() {
        List<ChaosEvent> events = ChaosSpec.parse(
                "restart-broker:2@45s, kill-broker:2@30s,pause-broker@20s+10s,kill-processor:1@1m,restart-processor@90s");

        assertThat(events).containsExactly(
                new ChaosEvent(ChaosEvent.Action.PAUSE_BROKER, null, Duration.ofSeconds(20), Duration.ofSeconds(10)),
                new ChaosEvent(ChaosEvent.Action.KILL_BROKER, 2, Duration.ofSeconds(30), null),
                new ChaosEvent(ChaosEvent.Action.RESTART_BROKER, 2, Duration.ofSeconds(45), null),
                new ChaosEvent(ChaosEvent.Action.KILL_PROCESSOR, 1, Duration.ofMinutes(1), null),
                new ChaosEvent(ChaosEvent.Action.RESTART_PROCESSOR, null, Duration.ofSeconds(90), null));
        assertThat(events.get(0)).hasToString("pause-broker@20s+10s");
        assertThat(events.get(3)).hasToString("kill-processor:1@1m");
    }

    @Test
    void shouldParseThePartitionsWithTheirLengths() {
        List<ChaosEvent> events = ChaosSpec.parse("split-brokers@1m+20s,partition-processor@40s+12s,partition-broker:3@8s+20s");

        assertThat(events).containsExactly(
                new ChaosEvent(ChaosEvent.Action.PARTITION_BROKER, 3, Duration.ofSeconds(8), Duration.ofSeconds(20)),
                new ChaosEvent(ChaosEvent.Action.PARTITION_PROCESSOR, null, Duration.ofSeconds(40), Duration.ofSeconds(12)),
                new ChaosEvent(ChaosEvent.Action.SPLIT_BROKERS, null, Duration.ofMinutes(1), Duration.ofSeconds(20)));
        assertThat(events).extracting(ChaosEvent::toString)
                .containsExactly("partition-broker:3@8s+20s", "partition-processor@40s+12s", "split-brokers@1m+20s");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "partition-broker@5s+20s|3|2|false|--chaos: 'partition-broker@5s+20s' cuts the network between hosts: it needs --hosts (brokers and processors on hosts of their own)",
            "partition-processor:1@5s+20s|3|2|false|--chaos: 'partition-processor:1@5s+20s' cuts the network between hosts: it needs --hosts (brokers and processors on hosts of their own)",
            "split-brokers@5s+20s|3|2|false|--chaos: 'split-brokers@5s+20s' cuts the network between hosts: it needs --hosts (brokers and processors on hosts of their own)",
            "split-brokers@5s+20s|1|2|true|--chaos: 'split-brokers@5s+20s' puts one broker on each side: it needs --brokers 2 or more",
            "partition-broker:4@5s+20s|3|2|true|--chaos: 'partition-broker:4@5s+20s': there are brokers 1..3",
            "partition-processor:3@5s+20s|3|2|true|--chaos: 'partition-processor:3@5s+20s': there are processors 1..2",
            "partition-broker@60s+20s|3|2|true|--chaos: 'partition-broker@1m+20s' is not within --duration 1m"})
    void shouldRefuseAPartitionTheRunCannotCarryOut(String spec, int brokers, int processors, boolean hosts, String message) {
        List<ChaosEvent> events = ChaosSpec.parse(spec);
        assertThatThrownBy(() -> ChaosRunner.validate(events, brokers, processors, Duration.ofSeconds(60), hosts))
                .isInstanceOf(UsageException.class).hasMessage(message);
    }

    @Test
    void shouldAcceptPartitionsOnHosts() {
        ChaosRunner.validate(ChaosSpec.parse("partition-broker@5s+20s,partition-processor@30s+12s,split-brokers@45s+10s"),
                3, 2, Duration.ofSeconds(60), true);
    }

    @Test
    void shouldAcceptNoChaos() {
        assertThat(ChaosSpec.parse("")).isEmpty();
        assertThat(ChaosSpec.parse(null)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "explode@5s|--chaos: unknown action 'explode' in 'explode@5s'; use ACTION[:ID]@T, or ACTION[:ID]@T+D for pause-broker, partition-broker, partition-processor, split-brokers; ACTION one of kill-broker, restart-broker, kill-processor, restart-processor, pause-broker, partition-broker, partition-processor, split-brokers",
            "kill-broker|--chaos: 'kill-broker' is not ACTION[:ID]@T, or ACTION[:ID]@T+D for pause-broker, partition-broker, partition-processor, split-brokers; ACTION one of kill-broker, restart-broker, kill-processor, restart-processor, pause-broker, partition-broker, partition-processor, split-brokers",
            "kill-broker@soon|--chaos: 'soon' is not a duration; use a number with a unit: ms, s, m or h (e.g. 500ms, 60s, 5m, 1h) (in 'kill-broker@soon')",
            "kill-broker:0@5s|--chaos: ids start at 1, got 0 in 'kill-broker:0@5s'",
            "pause-broker@5s|--chaos: pause-broker needs a length, e.g. pause-broker@20s+10s, got 'pause-broker@5s'",
            "partition-broker:2@5s|--chaos: partition-broker needs a length, e.g. partition-broker@20s+10s, got 'partition-broker:2@5s'",
            "partition-processor@5s|--chaos: partition-processor needs a length, e.g. partition-processor@20s+10s, got 'partition-processor@5s'",
            "split-brokers@5s|--chaos: split-brokers needs a length, e.g. split-brokers@20s+10s, got 'split-brokers@5s'",
            "split-brokers@5s+0s|--chaos: the length after + must be more than 0, got 'split-brokers@5s+0s'",
            "partition-broker:0@5s+1s|--chaos: ids start at 1, got 0 in 'partition-broker:0@5s+1s'",
            "partition-processor@5s+soon|--chaos: 'soon' is not a duration; use a number with a unit: ms, s, m or h (e.g. 500ms, 60s, 5m, 1h) (in 'partition-processor@5s+soon')",
            "partition-host@5s+1s|--chaos: unknown action 'partition-host' in 'partition-host@5s+1s'; use ACTION[:ID]@T, or ACTION[:ID]@T+D for pause-broker, partition-broker, partition-processor, split-brokers; ACTION one of kill-broker, restart-broker, kill-processor, restart-processor, pause-broker, partition-broker, partition-processor, split-brokers",
            "kill-broker@5s+3s|--chaos: only pause-broker, partition-broker, partition-processor, split-brokers take +D, got 'kill-broker@5s+3s'"})
    void shouldRejectABadSpecSayingWhatIsAllowed(String spec, String message) {
        assertThatThrownBy(() -> ChaosSpec.parse(spec)).isInstanceOf(UsageException.class).hasMessage(message);
    }
}
