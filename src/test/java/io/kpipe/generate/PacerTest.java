package io.kpipe.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PacerTest {
    private static final long MS = 1_000_000L;
    private static final long T0 = 5_000 * MS;

    @Test
    void shouldAllowThePointsDueByNowAndNothingAheadOfTheSchedule() {
        Pacer p = new Pacer(100_000, T0);   // 100 points per millisecond; the bucket holds 10 ms: 1,000
        assertThat(p.allowed(T0, 512)).isEqualTo(1);
        p.sent(1);
        assertThat(p.allowed(T0 + MS / 200, 512)).isZero();   // 5 µs: half a point due
        assertThat(p.allowed(T0 + 3 * MS, 512)).isEqualTo(300);
        p.sent(300);
        assertThat(p.allowed(T0 + 3 * MS, 512)).isZero();
        assertThat(p.behind(T0 + 3 * MS)).isZero();
    }

    @Test
    void shouldCatchUpTenPercentAboveTheRateNeverInABurst() {
        Pacer p = new Pacer(100_000, T0);
        p.sent(p.allowed(T0, 512));                                  // 1 sent
        // Stalled for 1 s: 100,000 points due, but the bucket holds 10 ms of points.
        assertThat(p.behind(T0 + 1_000 * MS)).isEqualTo(99_999);
        assertThat(p.allowed(T0 + 1_000 * MS, 100_000)).isEqualTo(1_000);
        p.sent(1_000);
        assertThat(p.allowed(T0 + 1_000 * MS, 100_000)).isZero();
        // Sending all it may for the next second: 110,000 points, 10,000 more than the rate.
        long sent = 0;
        for (int ms = 1; ms <= 1_000; ms++) {
            long n = p.allowed(T0 + (1_000 + ms) * MS, 100_000);
            p.sent(n);
            sent += n;
        }
        assertThat(sent).isEqualTo(110_000);
        assertThat(p.behind(T0 + 2_000 * MS)).isEqualTo(99_999 + 100_000 - 1_000 - 110_000);
    }

    @Test
    void shouldCatchUpOnlyWhatIsOwed() {
        Pacer p = new Pacer(100_000, T0);
        p.sent(p.allowed(T0, 512));
        // 2 ms behind: 200 owed, the bucket (1,000) would allow more; only what is owed is sent.
        assertThat(p.allowed(T0 + 2 * MS, 100_000)).isEqualTo(200);
    }

    @Test
    void shouldNeverAllowMoreThanTheSliceAsked() {
        Pacer p = new Pacer(333_333, T0);
        assertThat(p.allowed(T0 + 50 * MS, 512)).isEqualTo(512);
    }

    @Test
    void shouldCountAnHourAtTenMillionPointsPerSecondWithoutOverflow() {
        long hour = 3_600_000 * MS;
        Pacer p = new Pacer(10_000_000, T0);
        p.sent(36_000_000_000L - 5);
        assertThat(p.behind(T0 + hour)).isEqualTo(5);
        assertThat(p.allowed(T0 + hour, Integer.MAX_VALUE)).isEqualTo(6);
    }

    @Test
    void shouldRefuseARateThatIsNotPositive() {
        assertThatThrownBy(() -> new Pacer(0, T0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rate must be 1 to 1,000,000,000 points/s, got 0");
    }
}
