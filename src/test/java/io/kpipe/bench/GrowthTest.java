package io.kpipe.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kpipe.chaos.ChaosRunner;
import io.kpipe.config.UsageException;
import io.kpipe.run.ResourceSeries;
import io.kpipe.run.RunSummary;
import io.kpipe.run.Sample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrowthTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void shouldBracketTheHighestRateKeptUpFromAbove() throws Exception {
        List<Long> tried = new ArrayList<>();
        long[] found = Benchmark.bracket(400_000, 50_000, 0, r -> tried.add(r) && r <= 830_000);

        assertThat(tried).containsExactly(400_000L, 600_000L, 900_000L, 750_000L, 850_000L, 800_000L);
        assertThat(found).containsExactly(800_000, 850_000);
    }

    @Test
    void shouldBracketTheHighestRateKeptUpFromBelow() throws Exception {
        List<Long> tried = new ArrayList<>();
        long[] found = Benchmark.bracket(400_000, 50_000, 0, r -> tried.add(r) && r <= 60_000);

        // Down by half to a pass, then halves of the bracket on multiples of the step: 100k is not below 100k.
        assertThat(tried).containsExactly(400_000L, 200_000L, 100_000L, 50_000L);
        assertThat(found).containsExactly(50_000, 100_000);
    }

    @Test
    void shouldStopAtTheLowestRateAndAtTheHighestAllowed() throws Exception {
        List<Long> tried = new ArrayList<>();
        assertThat(Benchmark.bracket(40_000, 50_000, 0, r -> tried.add(r) && false)).containsExactly(0, 10_000);
        assertThat(tried).containsExactly(40_000L, 20_000L, 10_000L);

        tried.clear();
        assertThat(Benchmark.bracket(400_000, 100_000, 700_000, r -> tried.add(r))).containsExactly(700_000, 0);
        assertThat(tried).containsExactly(400_000L, 600_000L, 700_000L);
    }

    @Test
    void shouldRunEveryCombinationWithTheSensorsInnermost() {
        var grid = new Growth.Grid(List.of(10_000, 100_000), List.of(12), List.of(1, 2), List.of(1, 3));

        assertThat(grid.cells()).extracting(Arrays::toString).containsExactly(
                "[10000, 12, 1, 1]", "[100000, 12, 1, 1]", "[10000, 12, 2, 1]", "[100000, 12, 2, 1]",
                "[10000, 12, 1, 3]", "[100000, 12, 1, 3]", "[10000, 12, 2, 3]", "[100000, 12, 2, 3]");
    }

    @Test
    void shouldRefuseAGridItCannotRun() {
        assertThatThrownBy(() -> new Growth.Grid(List.of(10_000), List.of(12), List.of(0), List.of(1)))
                .isInstanceOf(UsageException.class).hasMessage("--processors: must be 1..16 with --scenario growth: "
                        + "the processors run as child JVMs, so that one can be killed, got 0");
        assertThatThrownBy(() -> new Growth.Grid(List.of(10_000), List.of(12), List.of(1), List.of(1, 2)))
                .isInstanceOf(UsageException.class).hasMessage("--brokers: must be 1 or 3, got 2");
        assertThatThrownBy(() -> new Growth.Grid(List.of(10_000, 10_000), List.of(12), List.of(1), List.of(1)))
                .isInstanceOf(UsageException.class).hasMessage("--sensors: lists a value twice: [10000, 10000]");
    }

    @Test
    void shouldReportEveryCellWithItsHeapPerOpenWindowAndRestoreTime() throws Exception {
        GrowthResult r = new GrowthResult("growth", "2026-11-28T00:00:00Z", Map.of("cores", 2),
                Map.of("probe_rate", 50_000L), List.of(
                        cell(10_000, 800_000, 0.9, 100 * MIB, 102 * MIB, 60_000),
                        cell(100_000, 400_000, 0.95, 150 * MIB, 152 * MIB, 90_000)));

        // 0.9 x 2 cores / 800,000 points/s = 2.25 us; live heap: the median of the samples at 40 s and 60 s
        // (after the 30 s warm-up, before the kill at 75 s); (151 - 101) MiB over 90,000 more sensors = 582.5 bytes.
        assertThat(r.cells().get(0).cpuUsPerPoint()).isEqualTo(2.25);
        assertThat(r.cells().get(0).probe().liveHeapBytes()).isEqualTo(101 * MIB);
        assertThat(r.heapPerOpenWindow(r.cells().get(0))).isNull();
        assertThat(r.heapPerOpenWindow(r.cells().get(1))).isEqualTo(50.0 * MIB / 90_000);
        // Lag over the line (1,000 before the kill + 50,000 of input a second) until 77 s: 3 s from the kill at 75 s.
        assertThat(r.cells().get(0).probe().restoreS()).isEqualTo(3.0);
        assertThat(r.cells().get(1).probe().restoreS()).isNull();

        assertThat(GrowthReport.table(r).lines().toList()).containsExactly(
                "| sensors | partitions | processor JVMs | brokers | max points/s kept up | CPU us/point (all JVMs) "
                        + "| p99 ms at max | yardstick records/s | probe 50,000/s steady from s | processors' live heap MiB "
                        + "| heap per open window, bytes | restore s | lost | dup |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
                "| 10,000 | 12 | 1 | 1 | 800,000 | 2.25 | 250 | 1,500,000 | 10 | 101.0 | - | 3.0 | 0 | 0 |",
                "| 100,000 | 12 | 1 | 1 | 400,000 | 4.75 | 250 | 1,500,000 | 10 | 151.0 | 583 | never | 0 | 0 |",
                "",
                "valid: yes (every trial of every cell reconciled: lost 0, duplicated 0)");

        String plots = GrowthReport.plotData(r);
        assertThat(plots).contains("\"line\":\"12 partitions, 1 processor JVM(s), 1 broker(s)\"", "\"sensors\":100000",
                "\"max_points_per_s\":400000.0", "\"cpu_us_per_point\":4.75", "\"live_heap_mib\":151.0", "\"restore_s\":3.0",
                "\"heap_per_open_window_bytes\":" + (50.0 * MIB / 90_000));
        for (String[] p : GrowthReport.PLOTS) {
            assertThat(plots).contains("\"" + p[1] + "\":");
        }
        // The page's data as JSON literals: a title with an apostrophe must not end its string.
        assertThat(GrowthReport.html(r, "{}")).contains("const PLOTS = [[\"highest rate kept up, points/s\",\"max_points_per_s\"],",
                "[\"processors' live heap at the probe rate, MiB\",\"live_heap_mib\"]", "const P = [{\"line\":");
    }

    /** A cell whose max kept up at {@code rate}, and whose probe's processor sampled the two live heaps given. */
    private static GrowthResult.Cell cell(int sensors, long rate, double busy, long heap1, long heap2, long peakLag) {
        Trial passed = new Trial(rate, true, new KeepUp(true, 0, 0, rate, rate, "kept up"),
                summary(sensors, new RunSummary.Pace(10L, null, busy, 0L), List.of()), List.of(), null);
        BenchResult max = new BenchResult("max", "2026-11-28T00:00:00Z", Map.of("cores", 2), Map.of(),
                List.of(new BenchResult.Repeat(1, rate, 1_500_000.0, List.of(passed), "plaintext")),
                BenchResult.Stats.of(rate), BenchResult.Stats.of(20), BenchResult.Stats.of(250), null, 0, null, 0,
                BenchResult.Stats.of(1_500_000), rate / 1_500_000.0, 0, 0, true, "plaintext", null);
        var jvms = Map.of("processor-1", new ResourceSeries.JvmSeries(List.of(MIB, MIB, MIB, MIB), List.of(1L, 1L, 1L, 1L),
                List.of(MIB, MIB, MIB, MIB), Arrays.asList(null, 1L, 1L, 1L), Arrays.asList(90 * MIB, heap1, heap2, 500 * MIB)));
        ResourceSeries res = new ResourceSeries(5, List.of(10L, 40L, 60L, 80L), jvms, Map.of());
        // The lag: 1,000 before the kill at 75 s, then over the line until 77 s; with peakLag 90,000 never back under it.
        List<Sample> timeline = List.of(new Sample(75, 50_000, 50_000, 1_000, 10, 20),
                new Sample(76, 50_000, 20_000, peakLag, 10, 900), new Sample(77, 50_000, 60_000, peakLag, 10, 900),
                new Sample(78, 50_000, 90_000, peakLag == 60_000 ? 2_000 : peakLag, 10, 100));
        var kill = new ChaosRunner.Done("kill-processor:1@75s", "kill-processor", 1, 75.0, 4242, null, null);
        Trial probe = new Trial(50_000, true, new KeepUp(true, 0, 0, 50_000, 50_000, "kept up"),
                summary(sensors, new RunSummary.Pace(10L, null, 0.5, 0L), List.of(kill)), timeline,
                new Soak(res, List.of(), List.of(), true));
        return new GrowthResult.Cell(sensors, 12, 1, 1, max, GrowthResult.Probe.of(50_000, 75, 30, probe));
    }

    private static RunSummary summary(int sensors, RunSummary.Pace pace, List<ChaosRunner.Done> chaos) {
        return RunSummary.builder().produced(900_000).producedValid(900_000).producedInvalid(0).sendFailed(0)
                .aggregated(900_000).windows(600).dlq(0).late(0).lost(0).duplicated(0).windowsWrong(0).drained(true)
                .durationS(185).throughputPerS(5_000).latencyMs(new RunSummary.Latency(20, 250, 300, 9_500)).brokers(1)
                .partitions(12).guarantee("exactly_once_v2").threads(1).sensors(sensors).rateTarget("50000").processors(1)
                .standbys(0).chaos(chaos).alerts(0).ingested(0).setAside(RunSummary.SetAside.NONE).pace(pace).build();
    }
}
