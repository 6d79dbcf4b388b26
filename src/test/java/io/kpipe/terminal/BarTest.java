package io.kpipe.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BarTest {
    @Test
    void shouldFillInProportionAndSayTheTimeLeft() {
        assertThat(Bar.render(0, 100, 10, 90)).isEqualTo("[..........]   0% ETA 1m30s");
        assertThat(Bar.render(35, 100, 20, 39)).isEqualTo("[#######.............]  35% ETA 39s");
        assertThat(Bar.render(150, 100, 4, -1)).isEqualTo("[####] 100%");
        assertThat(Bar.render(5, 0, 4, -1)).isEqualTo("[....]   0%");
    }

    @Test
    void shouldShowARunsSecondsAndThenItsDrain() {
        assertThat(Bar.render(21, 60, 10)).isEqualTo("[####......]  35% 21s/60s ETA 39s");
        assertThat(Bar.render(61, 60, 10)).isEqualTo("[##########] 100% draining");
    }

    @Test
    void shouldWriteTimesInTheLargestUnitsThatFit() {
        assertThat(Bar.time(59)).isEqualTo("59s");
        assertThat(Bar.time(245)).isEqualTo("4m05s");
        assertThat(Bar.time(3720)).isEqualTo("1h02m");
    }
}
