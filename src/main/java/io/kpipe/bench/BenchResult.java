package io.kpipe.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What {@code kpipe bench} writes to {@code results.json}. {@code steady_from_s}: when each repeat's
 * deciding trial turned steady (over the repeats that did; {@code never_steady} counts the others);
 * {@code recovered_after_s}: with {@code --chaos}, the time to recover from each fault of every repeat
 * that recovered ({@code never_recovered} counts those that had not when the run ended).
 * {@code security}: the clusters' security mode; with {@code --security both} the plaintext result
 * holds the secured one, measured in the same run with repeats alternating, as {@code compared}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BenchResult(
        @JsonProperty("scenario") String scenario,
        @JsonProperty("started") String started,
        @JsonProperty("machine") Map<String, Object> machine,
        @JsonProperty("settings") Map<String, Object> settings,
        @JsonProperty("repeats") List<Repeat> repeats,
        @JsonProperty("points_per_s") Stats pointsPerS,
        @JsonProperty("latency_p50_ms") Stats latencyP50Ms,
        @JsonProperty("latency_p99_ms") Stats latencyP99Ms,
        @JsonProperty("steady_from_s") Stats steadyFromS,
        @JsonProperty("never_steady") int neverSteady,
        @JsonProperty("recovered_after_s") Stats recoveredAfterS,
        @JsonProperty("never_recovered") int neverRecovered,
        @JsonProperty("yardstick_records_per_s") Stats yardstick,
        @JsonProperty("ratio_to_yardstick") Double ratio,
        @JsonProperty("lost") long lost,
        @JsonProperty("duplicated") long duplicated,
        @JsonProperty("valid") boolean valid,
        @JsonProperty("security") String security,
        @JsonProperty("compared") BenchResult compared) {

    /** This result with {@code other} (the other security mode of the same run) as its comparison. */
    public BenchResult comparedWith(BenchResult other) {
        return new BenchResult(scenario, started, machine, settings, repeats, pointsPerS, latencyP50Ms, latencyP99Ms,
                steadyFromS, neverSteady, recoveredAfterS, neverRecovered, yardstick, ratio, lost, duplicated, valid, security, other);
    }

    /** This result and the one it is compared with, if any. */
    public List<BenchResult> arms() {
        return compared == null ? List.of(this) : List.of(this, compared);
    }

    /** One repetition: its figure (rate found, rate sustained, or records/s) and the trials behind it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Repeat(
            @JsonProperty("index") int index,
            @JsonProperty("points_per_s") double pointsPerS,
            @JsonProperty("yardstick_records_per_s") Double yardstick,
            @JsonProperty("trials") List<Trial> trials,
            @JsonProperty("security") String security) {}

    /** Median, min and max over the repeats. */
    public record Stats(@JsonProperty("median") double median, @JsonProperty("min") double min,
                        @JsonProperty("max") double max) {
        public static Stats of(double... values) {
            double[] v = values.clone();
            Arrays.sort(v);
            int n = v.length;
            double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
            return new Stats(median, v[0], v[n - 1]);
        }
    }
}
