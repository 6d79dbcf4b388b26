package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.config.KafkaConnection;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconcilerWaitTest {
    @Test
    void shouldWaitForAnUndecidedTransactionLongerThanTheTransactionTimeout() {
        assertThat(Reconciler.undecidedTimeout(new KafkaConnection("127.0.0.1:1", Map.of())))
                .isEqualTo(Duration.ofSeconds(120));
        // Five minutes set with -X: twice that, and the broker's check for expired transactions.
        assertThat(Reconciler.undecidedTimeout(new KafkaConnection("127.0.0.1:1",
                Map.of("transaction.timeout.ms", "300000")))).isEqualTo(Duration.ofSeconds(630));
        assertThat(Reconciler.undecidedTimeout(new KafkaConnection("127.0.0.1:1",
                Map.of("transaction.timeout.ms", "soon")))).isEqualTo(Duration.ofSeconds(120));
    }
}
