package io.kpipe.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kpipe.config.Engine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The engines scenario's figures: medians per engine, its table and JSON, and how latency and CPU are taken. */
class EnginesResultTest {
    private static Trial trial(long rate, boolean keptUp) {
        return new Trial(rate, true, new KeepUp(keptUp, 0, 0, rate, keptUp ? rate : rate / 2, keptUp ? "kept up" : "lag grew"),
                null, List.of(), null);
    }

    private static EnginesResult.Repeat repeat(int index, boolean keptUp, double p99, Double heapMb, long max) {
        EnginesResult.Measures m = new EnginesResult.Measures(keptUp, keptUp ? 333_333 : 120_000, 900.0, p99, 1_000,
                12.5 + index, 2.0, 3.25 + index, 700.0, heapMb);
        return new EnginesResult.Repeat(index, index, trial(333_333, keptUp), m, List.of(trial(max, true)), max);
    }

    private static EnginesResult result() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("rate", 333_333L);
        return EnginesResult.of("2026-11-28T00:00:00Z", Map.of("cores", 2), settings, List.of(
                EnginesResult.Arm.of("streams", List.of(repeat(1, true, 1_500, 180.0, 500_000),
                        repeat(2, true, 1_700, 200.0, 480_000), repeat(3, true, 1_600, 190.0, 490_000))),
                EnginesResult.Arm.of("spark", List.of(repeat(1, false, 9_000, null, 90_000)))));
    }

    @Test
    void shouldTakeMediansPerEngineOverTheRepeatsThatHaveTheFigure() {
        EnginesResult r = result();

        EnginesResult.Arm streams = r.engines().get(0);
        assertThat(streams.steadyKeptUp()).isEqualTo(3);
        assertThat(streams.latencyP99Ms()).isEqualTo(new BenchResult.Stats(1_600, 1_500, 1_700));
        assertThat(streams.cpuUsPerPoint()).isEqualTo(new BenchResult.Stats(5.25, 4.25, 6.25));
        assertThat(streams.maxPointsPerS()).isEqualTo(new BenchResult.Stats(490_000, 480_000, 500_000));
        EnginesResult.Arm spark = r.engines().get(1);
        assertThat(spark.steadyKeptUp()).isZero();
        assertThat(spark.engineHeapAfterGcMb()).isNull();
        assertThat(r.valid()).isTrue();
        assertThat(r.lost()).isZero();
    }

    @Test
    void shouldWriteOneTableRowPerEngine() {
        assertThat(EnginesReport.table(result())).isEqualTo("""
                | engine | steady 333,333/s kept up | points/s | latency to readable p50 / p99 ms | first result s | CPU us/point (all JVMs) | engine heap after GC MB | engine RSS MB | max points/s kept up | lost | dup | valid |
                |---|---|---|---|---|---|---|---|---|---|---|---|
                | streams | 3 of 3 | 333,333 | 900 / 1,600 (1,500-1,700) | 14.5 (13.5-15.5) | 5.25 (4.25-6.25) | 190 (180-200) | 700 | >= 490,000 (480,000-500,000) | 0 | 0 | yes |
                | spark | 0 of 1 | 120,000 | 900 / 9,000 | 13.5 | 4.25 | - | 700 | 90,000 | 0 | 0 | yes |

                >=: in a repeat every ramp trial kept up, and the ramp stops below its ceiling of 666,666 points/s \
                (--max-rate; default twice --rate): that engine keeps up with more.
                """);
    }

    @Test
    void shouldWriteEveryTrialAndTheMediansToJson() throws Exception {
        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(result()));

        assertThat(json.get("scenario").asText()).isEqualTo("engines");
        JsonNode spark = json.get("engines").get(1);
        assertThat(spark.get("engine").asText()).isEqualTo("spark");
        assertThat(spark.has("engine_heap_after_gc_mb")).isFalse();
        assertThat(spark.get("max_points_per_s").get("median").asDouble()).isEqualTo(90_000);
        JsonNode rep = spark.get("repeats").get(0);
        assertThat(rep.get("steady").get("judgement").get("kept_up").asBoolean()).isFalse();
        assertThat(rep.get("ramp")).hasSize(1);
        assertThat(rep.get("measures").get("latency_p99_ms").asDouble()).isEqualTo(9_000);
        assertThat(rep.get("measures").get("cpu_us_per_point").asDouble()).isEqualTo(4.25);
        assertThat(json.get("engines").get(0).get("latency_p99_ms").get("median").asDouble()).isEqualTo(1_600);
    }

    @Test
    void shouldSpreadTheNewPointsOfAnUpdateOverTheTimeTheyWereSentIn() {
        Histogram h = new Histogram(3_600_000, 3);
        // 8 points sent evenly over 1000..1800, read at 2000: slices at 1050, 1150, ..., 1750.
        ResultLatency.record(h, 8, 1_000, 1_800, 2_000, 0);
        assertThat(h.getTotalCount()).isEqualTo(8);
        assertThat(h.getMinValue()).isEqualTo(250);
        assertThat(h.getMaxValue()).isEqualTo(950);
        // 10 points in 8 slices: the first two slices hold 2; slices sent before countFrom are left out.
        Histogram w = new Histogram(3_600_000, 3);
        ResultLatency.record(w, 10, 0, 800, 1_000, 400);
        assertThat(w.getTotalCount()).isEqualTo(4);
        assertThat(w.getMaxValue()).isEqualTo(550);
    }

    @Test
    void shouldCountOnlyThePointsAWindowUpdateAddsAndNothingForAResultWrittenAgain() {
        ResultLatency r = ResultLatency.forTest(0);
        r.add("s-1@t", 3, 1_000, 1_200, 1_500);
        r.add("s-1@t", 5, 1_000, 1_400, 2_400);
        r.add("s-1@t", 5, 1_000, 1_400, 2_900);   // the same value again (a batch rerun): nothing new
        r.add("s-2@t", 1, 1_100, 1_100, 1_600);

        Histogram h = r.histogram();
        // 3 points sent over 1000..1200 read at 1500, 2 over 1200..1400 read at 2400, 1 at 1100 read at 1600.
        assertThat(h.getTotalCount()).isEqualTo(6);
        assertThat(h.getMaxValue()).isEqualTo(1_150);
        assertThat(h.getMinValue()).isEqualTo(333);
        assertThat(r.records()).isEqualTo(4);
        assertThat(r.origin()).isEqualTo(1_000);
        assertThat(r.firstReadMs()).isEqualTo(1_500);
    }

    @Test
    void shouldTakeTheCpuOfTheWindowAndTheEnginesPeakMemoryInIt() {
        List<EngineMeter.Point> points = new ArrayList<>();
        for (int s = 0; s <= 10; s++) {
            points.add(new EngineMeter.Point(10_000 + s * 1_000L, s * 2_000_000_000L, 100 + s, s == 5 ? 900 : 50));
        }

        EngineMeter.Cost c = EngineMeter.cost(points, 12_000, 16_000).orElseThrow();

        assertThat(c.cpuNs()).isEqualTo(8_000_000_000L);
        assertThat(c.engineRssBytes()).isEqualTo(106);
        assertThat(c.engineHeapAfterGcBytes()).isEqualTo(900);
        assertThat(EngineMeter.cost(points, 12_000, 30_000)).isEmpty();
    }

    @Test
    void shouldRotateTheEnginesFromRepeatToRepeatAndRoundRatesOfTheRamp() {
        List<Engine> all = List.of(Engine.STREAMS, Engine.SPARK, Engine.DSL);
        assertThat(EnginesBench.rotated(all, 0)).containsExactly(Engine.STREAMS, Engine.SPARK, Engine.DSL);
        assertThat(EnginesBench.rotated(all, 1)).containsExactly(Engine.SPARK, Engine.DSL, Engine.STREAMS);
        assertThat(EnginesBench.rotated(all, 5)).containsExactly(Engine.DSL, Engine.STREAMS, Engine.SPARK);
        assertThat(List.of(EnginesBench.nice(499_999), EnginesBench.nice(45_678), EnginesBench.nice(4_567), EnginesBench.nice(10)))
                .containsExactly(490_000L, 45_000L, 4_500L, 100L);
        assertThat(EnginesBench.processors(Engine.SPARK)).isZero();
        assertThat(EnginesBench.processors(Engine.DSL)).isEqualTo(1);
    }
}
