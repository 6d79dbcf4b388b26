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
    void shouldAcceptNoChaos() {
        assertThat(ChaosSpec.parse("")).isEmpty();
        assertThat(ChaosSpec.parse(null)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "explode@5s|--chaos: unknown action 'explode' in 'explode@5s'; use ACTION[:ID]@T or pause-broker[:ID]@T+D, ACTION one of kill-broker, restart-broker, kill-processor, restart-processor, pause-broker",
            "kill-broker|--chaos: 'kill-broker' is not ACTION[:ID]@T or pause-broker[:ID]@T+D, ACTION one of kill-broker, restart-broker, kill-processor, restart-processor, pause-broker",
            "kill-broker@soon|--chaos: 'soon' is not a duration; use a number with a unit: ms, s, m or h (e.g. 500ms, 60s, 5m, 1h) (in 'kill-broker@soon')",
            "kill-broker:0@5s|--chaos: ids start at 1, got 0 in 'kill-broker:0@5s'",
            "pause-broker@5s|--chaos: pause-broker needs a pause length, e.g. pause-broker@20s+10s, got 'pause-broker@5s'",
            "kill-broker@5s+3s|--chaos: only pause-broker takes +D, got 'kill-broker@5s+3s'"})
    void shouldRejectABadSpecSayingWhatIsAllowed(String spec, String message) {
        assertThatThrownBy(() -> ChaosSpec.parse(spec)).isInstanceOf(UsageException.class).hasMessage(message);
    }
}
