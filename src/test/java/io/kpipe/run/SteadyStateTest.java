package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class SteadyStateTest {
    private static Histogram latencies(long... ms) {
        Histogram h = new Histogram(3_600_000, 3);
        for (long v : ms) {
            h.recordValue(v);
        }
        return h;
    }

    private static Sample second(long t, long lag) {
        return new Sample(t, 1000, 1000, lag, 10, 10);
    }

    @Test
    void shouldBeSteadyFromTheFirstOfTenSecondsUnderOneSecondOfLagAndHalfASecondOfP99() {
        SteadyState steady = new SteadyState(1000);
        // Seconds 1-4: behind (lag over 1 s of data); 5: slow (p99 500 ms); 6-15 steady; 16 behind again.
        for (int t = 1; t <= 4; t++) {
            assertThat(steady.add(second(t, 5000), latencies(20))).isFalse();
        }
        assertThat(steady.add(second(5, 10), latencies(20, 500))).isFalse();
        for (int t = 6; t <= 14; t++) {
            assertThat(steady.add(second(t, 1000), latencies(t))).isFalse();
            assertThat(steady.reachedAtS()).isEqualTo(-1);
        }
        assertThat(steady.add(second(15, 1000), latencies(15))).isTrue();
        assertThat(steady.reachedAtS()).isEqualTo(5);   // sample 6 covers the 6th second, from 5 s to 6 s
        assertThat(steady.add(second(16, 90_000), latencies(3000))).isFalse();
        assertThat(steady.reachedAtS()).isEqualTo(5);

        Histogram h = steady.latencies();
        assertThat(h.getTotalCount()).isEqualTo(11);   // seconds 6-16, the later slow one included
        assertThat(h.getMinValue()).isEqualTo(6);
        assertThat(h.getValueAtPercentile(99)).isBetween(2998L, 3001L);
    }

    @Test
    void shouldStartCountingAgainAfterASecondThatIsNotSteady() {
        SteadyState steady = new SteadyState(1000);
        for (int t = 1; t <= 9; t++) {
            steady.add(second(t, 0), latencies(1));
        }
        steady.add(second(10, 1001), latencies(1));
        for (int t = 11; t <= 19; t++) {
            assertThat(steady.add(second(t, 0), latencies(1))).isFalse();
        }
        assertThat(steady.add(second(20, 0), latencies(1))).isTrue();
        assertThat(steady.reachedAtS()).isEqualTo(10);
        assertThat(steady.latencies().getTotalCount()).isEqualTo(10);
    }

    @Test
    void shouldMeasureOneSecondOfDataByTheInputWhenThereIsNoTargetRate() {
        SteadyState steady = new SteadyState(0);
        for (int t = 1; t <= 10; t++) {
            steady.add(new Sample(t, 500_000, 500_000, 400_000, 10, 10), latencies(100));
        }
        assertThat(steady.reachedAtS()).isEqualTo(0);
        SteadyState behind = new SteadyState(0);
        for (int t = 1; t <= 10; t++) {
            behind.add(new Sample(t, 500_000, 500_000, 500_001, 10, 10), latencies(100));
        }
        assertThat(behind.reachedAtS()).isEqualTo(-1);
        assertThat(behind.latencies().getTotalCount()).isZero();
    }

    @Test
    void shouldNotCountASecondWithNoLatencyAsSteady() {
        SteadyState steady = new SteadyState(1000);
        for (int t = 1; t <= 10; t++) {
            assertThat(steady.add(new Sample(t, 0, 0, 0, 0, 0), latencies())).isFalse();
        }
        assertThat(steady.reachedAtS()).isEqualTo(-1);
        for (int t = 11; t <= 19; t++) {
            steady.add(second(t, 0), latencies(5));
        }
        steady.add(second(20, 0), latencies());   // nothing came out in the 20th second
        assertThat(steady.reachedAtS()).isEqualTo(-1);
    }
}
