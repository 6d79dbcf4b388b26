package io.kpipe.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchResultTest {
    @Test
    void shouldTakeTheMiddleValueOrTheMeanOfTheTwoMiddleOnes() {
        assertThat(BenchResult.Stats.of(300, 100, 200)).isEqualTo(new BenchResult.Stats(200, 100, 300));
        assertThat(BenchResult.Stats.of(400, 100, 300, 200)).isEqualTo(new BenchResult.Stats(250, 100, 400));
        assertThat(BenchResult.Stats.of(7)).isEqualTo(new BenchResult.Stats(7, 7, 7));
    }

    @Test
    void shouldStateWhatTheSecuredClusterCostsAgainstThePlaintextOne() {
        BenchResult plain = result("plaintext", 1_000_000, 120, 2_000_000);
        BenchResult secured = result("sasl_ssl", 700_000, 180, 1_500_000);

        BenchResult both = plain.comparedWith(secured);

        assertThat(both.arms()).containsExactly(plain.comparedWith(secured), secured);
        assertThat(Report.securityCost(plain, secured)).isEqualTo(
                "\nsasl_ssl / plaintext: points/s 0.70 (median 700,000 against 1,000,000); latency p99 median 180 ms against 120 ms;"
                        + " yardstick 0.75\n");
        assertThat(Report.table(both)).contains("| max sasl_ssl | exactly_once_v2 | 1 | 700,000 (700,000-700,000) | 2.52 |")
                .contains("| max | exactly_once_v2 | 1 | 1,000,000 (1,000,000-1,000,000) | 3.60 |");
        // A yardstick bench has no points/s and no latency: only its ratio.
        BenchResult yardPlain = new BenchResult("yardstick", "t", Map.of(), Map.of(), List.of(), null, null, null, null, 0, null, 0,
                BenchResult.Stats.of(2_000_000), null, 0, 0, true, "plaintext", null);
        BenchResult yardSecured = new BenchResult("yardstick", "t", Map.of(), Map.of(), List.of(), null, null, null, null, 0, null, 0,
                BenchResult.Stats.of(1_500_000), null, 0, 0, true, "sasl_ssl", null);
        assertThat(Report.securityCost(yardPlain, yardSecured)).isEqualTo("\nsasl_ssl / plaintext: yardstick 0.75\n");
    }

    private static BenchResult result(String security, double points, double p99, double yardstick) {
        BenchResult.Stats one = BenchResult.Stats.of(points);
        return new BenchResult("max", "2026-11-28T00:00:00Z", Map.of(), Map.of("guarantee", "exactly_once_v2", "brokers", 1),
                List.of(), one, BenchResult.Stats.of(20), BenchResult.Stats.of(p99), null, 0, null, 0,
                BenchResult.Stats.of(yardstick), points / yardstick, 0, 0, true, security, null);
    }
}
