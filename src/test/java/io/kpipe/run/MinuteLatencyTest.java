package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MinuteLatencyTest {
    @Test
    void shouldPutSecondOneToSixtyInMinuteOneAndSixtyOneInMinuteTwo() {
        assertThat(MinuteLatency.of(0)).isEqualTo(1);
        assertThat(MinuteLatency.of(1)).isEqualTo(1);
        assertThat(MinuteLatency.of(60)).isEqualTo(1);
        assertThat(MinuteLatency.of(61)).isEqualTo(2);
        assertThat(MinuteLatency.of(3600)).isEqualTo(60);
        assertThat(MinuteLatency.of(3601)).isEqualTo(61);
    }
}
