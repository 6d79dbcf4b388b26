package io.kpipe.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * What {@code kpipe bench --scenario engines} writes to {@code results.json}: per engine, every
 * repeat (its steady trial with what was measured of it, and its ramp's trials) and the medians
 * (min, max) over the repeats. A figure no repeat of an engine has (e.g. no rate of the ramp kept
 * up) is null. See docs/engines.md for what each figure means.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EnginesResult(
        @JsonProperty("scenario") String scenario,
        @JsonProperty("started") String started,
        @JsonProperty("machine") Map<String, Object> machine,
        @JsonProperty("settings") Map<String, Object> settings,
        @JsonProperty("engines") List<Arm> engines,
        @JsonProperty("lost") long lost,
        @JsonProperty("duplicated") long duplicated,
        @JsonProperty("valid") boolean valid) {

    /**
     * The measures of one steady trial. {@code latency_*}: send to readable on {@code points-agg-1m}
     * (read_committed), points sent after the warm-up ({@link ResultLatency}); {@code first_result_s}:
     * from the trial's start (topics created, the engine started cold, then the generator) to the
     * first result readable, {@code first_result_after_send_s} from the first point sent;
     * {@code cpu_us_per_point}: CPU time of every process of the run over the judged window, per point
     * processed in it; {@code engine_*_mb}: the engine JVM's peak RSS and heap after GC in that window.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Measures(
            @JsonProperty("kept_up") boolean keptUp,
            @JsonProperty("points_per_s") double pointsPerS,
            @JsonProperty("latency_p50_ms") Double latencyP50Ms,
            @JsonProperty("latency_p99_ms") Double latencyP99Ms,
            @JsonProperty("latency_points") long latencyPoints,
            @JsonProperty("first_result_s") Double firstResultS,
            @JsonProperty("first_result_after_send_s") Double firstResultAfterSendS,
            @JsonProperty("cpu_us_per_point") Double cpuUsPerPoint,
            @JsonProperty("engine_rss_mb") Double engineRssMb,
            @JsonProperty("engine_heap_after_gc_mb") Double engineHeapAfterGcMb) {}

    /** One engine in one repeat: {@code position} is its place in the repeat's order (engines alternate). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Repeat(
            @JsonProperty("index") int index,
            @JsonProperty("position") int position,
            @JsonProperty("steady") Trial steady,
            @JsonProperty("measures") Measures measures,
            @JsonProperty("ramp") List<Trial> ramp,
            @JsonProperty("max_points_per_s") long maxPointsPerS) {

        List<Trial> trials() {
            return java.util.stream.Stream.concat(java.util.stream.Stream.of(steady), ramp.stream()).toList();
        }
    }

    /** One engine: its repeats and the medians over them. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Arm(
            @JsonProperty("engine") String engine,
            @JsonProperty("repeats") List<Repeat> repeats,
            @JsonProperty("steady_kept_up") int steadyKeptUp,
            @JsonProperty("points_per_s") BenchResult.Stats pointsPerS,
            @JsonProperty("latency_p50_ms") BenchResult.Stats latencyP50Ms,
            @JsonProperty("latency_p99_ms") BenchResult.Stats latencyP99Ms,
            @JsonProperty("first_result_s") BenchResult.Stats firstResultS,
            @JsonProperty("cpu_us_per_point") BenchResult.Stats cpuUsPerPoint,
            @JsonProperty("engine_rss_mb") BenchResult.Stats engineRssMb,
            @JsonProperty("engine_heap_after_gc_mb") BenchResult.Stats engineHeapAfterGcMb,
            @JsonProperty("max_points_per_s") BenchResult.Stats maxPointsPerS,
            @JsonProperty("lost") long lost,
            @JsonProperty("duplicated") long duplicated,
            @JsonProperty("not_drained") int notDrained,
            @JsonProperty("valid") boolean valid) {

        /** The medians (min, max) of an engine's repeats. */
        static Arm of(String engine, List<Repeat> repeats) {
            List<Trial> all = repeats.stream().flatMap(r -> r.trials().stream()).toList();
            return new Arm(engine, List.copyOf(repeats),
                    (int) repeats.stream().filter(r -> r.measures().keptUp()).count(),
                    stats(repeats, r -> r.measures().pointsPerS()),
                    stats(repeats, r -> orNaN(r.measures().latencyP50Ms())),
                    stats(repeats, r -> orNaN(r.measures().latencyP99Ms())),
                    stats(repeats, r -> orNaN(r.measures().firstResultS())),
                    stats(repeats, r -> orNaN(r.measures().cpuUsPerPoint())),
                    stats(repeats, r -> orNaN(r.measures().engineRssMb())),
                    stats(repeats, r -> orNaN(r.measures().engineHeapAfterGcMb())),
                    stats(repeats, r -> r.maxPointsPerS()),
                    all.stream().mapToLong(Trial::lost).sum(), all.stream().mapToLong(Trial::duplicated).sum(),
                    (int) all.stream().filter(t -> !t.drained()).count(), all.stream().allMatch(Trial::valid));
        }

        private static double orNaN(Double d) {
            return d == null ? Double.NaN : d;
        }

        /** Median, min, max of the figure over the repeats that have it; null if none has. */
        private static BenchResult.Stats stats(List<Repeat> repeats, ToDoubleFunction<Repeat> figure) {
            double[] v = repeats.stream().mapToDouble(figure).filter(d -> !Double.isNaN(d)).toArray();
            return v.length == 0 ? null : BenchResult.Stats.of(v);
        }
    }

    /** The result of every engine's repeats. */
    static EnginesResult of(String started, Map<String, Object> machine, Map<String, Object> settings, List<Arm> arms) {
        return new EnginesResult("engines", started, machine, settings, List.copyOf(arms),
                arms.stream().mapToLong(Arm::lost).sum(), arms.stream().mapToLong(Arm::duplicated).sum(),
                arms.stream().allMatch(Arm::valid));
    }
}
