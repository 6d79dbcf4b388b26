package io.kpipe.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.run.MinuteLatency;
import io.kpipe.run.ResourceSeries;
import io.kpipe.run.RunSummary;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SoakReportTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void shouldSummariseASoakInOneRowPerRepeat() {
        Map<String, ResourceSeries.JvmSeries> jvms = new LinkedHashMap<>();
        jvms.put("kpipe", new ResourceSeries.JvmSeries(List.of(900 * MIB, 1000 * MIB, 1000 * MIB),
                List.of(30L, 45L, 40L), Arrays.asList(null, 200 * MIB, 210 * MIB), Arrays.asList(null, 4L, 2L),
                Arrays.asList(null, 120 * MIB, 125 * MIB)));
        jvms.put("broker-1", new ResourceSeries.JvmSeries(List.of(400 * MIB, 410 * MIB, 420 * MIB),
                List.of(120L, 121L, 122L), List.of(150 * MIB, 160 * MIB, 170 * MIB), Arrays.asList(null, 10L, 20L),
                Arrays.asList(null, 100 * MIB, 101 * MIB)));
        ResourceSeries res = new ResourceSeries(5, List.of(0L, 100L, 180L), jvms, Map.of("broker-1", List.of(50 * MIB,
                55 * MIB, 60 * MIB)));
        // Minute 1 is the warm-up's, minute 4 the drain's: neither is the highest judged one.
        List<MinuteLatency> minutes = List.of(new MinuteLatency(1, 100, 20, 9_000, 9_500),
                new MinuteLatency(2, 100, 20, 150, 300), new MinuteLatency(3, 100, 20, 170, 400),
                new MinuteLatency(4, 100, 20, 5_000, 6_000));
        List<SoakVerdict.Criterion> criteria = SoakVerdict.judge(summary(), minutes, res, 180, 30);
        Trial t = new Trial(5_000, true, new KeepUp(true, 0, 0, 5_000, 5_000, "kept up"), summary(), List.of(),
                new Soak(res, minutes, criteria, SoakVerdict.passed(criteria)));

        String table = SoakReport.table(result(t));

        assertThat(table.lines().toList()).containsExactly("",
                "| soak repeat | points | lost | dup | p99 per minute after warm-up, highest (minute) "
                        + "| live heap, first -> last sample | RSS, first -> last sample | GC pause total "
                        + "| open files, highest | broker disk, first -> last sample | verdict |",
                "|---|---|---|---|---|---|---|---|---|---|---|",
                "| 1 | 900,000 | 0 | 0 | 170 ms (3) | kpipe 120 MiB -> 125 MiB; broker-1 100 MiB -> 101 MiB "
                        + "| kpipe 900 MiB -> 1,000 MiB; broker-1 400 MiB -> 420 MiB | kpipe 6 ms; broker-1 30 ms "
                        + "| kpipe 45; broker-1 122 | 50 MiB -> 60 MiB | passed |");
        assertThat(SoakReport.table(result(new Trial(5_000, true, t.judgement(), summary(), List.of(), null)))).isEmpty();

        // --security both: a row per repeat of each mode, named by it.
        BenchResult secured = new BenchResult("soak", "2026-11-27T00:00:00Z", Map.of(),
                Map.of("duration_s", 180L, "warmup_s", 30L),
                List.of(new BenchResult.Repeat(1, 5_000, null, List.of(t), "sasl_ssl")), null, null, null, null, 0, null, 0,
                null, null, 0, 0, true, "sasl_ssl", null);
        List<String> both = SoakReport.table(result(t).comparedWith(secured)).lines().toList();
        assertThat(both).hasSize(5);
        assertThat(both.get(3)).startsWith("| 1 (plaintext) | 900,000 | 0 | 0 | 170 ms (3) |");
        assertThat(both.get(4)).startsWith("| 1 (sasl_ssl) | 900,000 | 0 | 0 | 170 ms (3) |");
    }

    private static BenchResult result(Trial t) {
        return new BenchResult("soak", "2026-11-27T00:00:00Z", Map.of(), Map.of("duration_s", 180L, "warmup_s", 30L),
                List.of(new BenchResult.Repeat(1, 5_000, null, List.of(t), "plaintext")), null, null, null, null, 0, null, 0, null,
                null, 0, 0, true, "plaintext", null);
    }

    private static RunSummary summary() {
        return RunSummary.builder().produced(900_000).producedValid(900_000).producedInvalid(0).sendFailed(0)
                .aggregated(900_000).windows(600).dlq(0).late(0).lost(0).duplicated(0).windowsWrong(0).drained(true)
                .durationS(185).throughputPerS(5_000).latencyMs(new RunSummary.Latency(20, 170, 300, 9_500)).brokers(1)
                .partitions(3).guarantee("exactly_once_v2").threads(1).sensors(200).rateTarget("5000").processors(0)
                .standbys(0).chaos(List.of()).alerts(0).ingested(0).setAside(RunSummary.SetAside.NONE).build();
    }
}
