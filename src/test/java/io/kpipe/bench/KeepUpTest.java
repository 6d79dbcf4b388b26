package io.kpipe.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.run.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

class KeepUpTest {
    private static final long RATE = 100_000;

    @Test
    void shouldPassAFlatLagThatEndsUnderTwoSecondsOfData() {
        KeepUp k = KeepUp.judge(samples(t -> 50_000 + (t % 2) * 20_000), 10, 70, RATE);

        assertThat(k.keptUp()).isTrue();
        assertThat(k.reason()).isEqualTo("kept up");
        assertThat(k.lagEnd()).isEqualTo(50_000);
        assertThat(k.rateIn()).isEqualTo(RATE);
    }

    @Test
    void shouldFailALagThatGrowsByMoreThanOneSecondOfDataOverTheWindow() {
        // Grows 2,000 points a second: 118,000 over the 59 s between the first and last sample.
        KeepUp k = KeepUp.judge(samples(t -> 2_000 * t - 20_000), 10, 70, RATE);

        assertThat(k.keptUp()).isFalse();
        assertThat(k.lagGrowth()).isEqualTo(118_000);
        assertThat(k.reason()).isEqualTo("lag grew by 118,000 over the window, more than 1 s of data (100,000)");
    }

    @Test
    void shouldFailALagOverTwoSecondsOfDataAtTheEndEvenIfFlat() {
        KeepUp k = KeepUp.judge(samples(t -> 250_000), 10, 70, RATE);

        assertThat(k.keptUp()).isFalse();
        assertThat(k.reason()).isEqualTo("lag at the end 250,000 is more than 2 s of data (200,000)");
    }

    @Test
    void shouldIgnoreTheWarmUpAndTheDrain() {
        // Huge lag during warm-up (t <= 10) and during the drain (t > 70) does not count.
        KeepUp k = KeepUp.judge(samples(t -> t <= 10 || t > 70 ? 5_000_000 : 1_000), 10, 70, RATE);

        assertThat(k.keptUp()).isTrue();
        assertThat(k.lagGrowth()).isZero();
    }

    @Test
    void shouldFailWhenTheGeneratorFellShortOfTheTargetRate() {
        List<Sample> s = samples(t -> 1_000).stream()
                .map(x -> new Sample(x.tS(), 90_000, 90_000, x.lag(), 20, 90)).toList();

        KeepUp k = KeepUp.judge(s, 10, 70, RATE);

        assertThat(k.keptUp()).isFalse();
        assertThat(k.reason()).isEqualTo("the generator sent 90,000 points/s, short of the 100,000 targeted");
    }

    @Test
    void shouldRefuseToJudgeAnEmptyWindow() {
        assertThat(KeepUp.judge(List.of(), 10, 70, RATE).reason()).isEqualTo("too few samples in the window (0)");
    }

    private static List<Sample> samples(LongUnaryOperator lagAt) {
        List<Sample> s = new ArrayList<>();
        for (long t = 1; t <= 80; t++) {
            s.add(new Sample(t, RATE, RATE, lagAt.applyAsLong(t), 20, 90));
        }
        return s;
    }
}
