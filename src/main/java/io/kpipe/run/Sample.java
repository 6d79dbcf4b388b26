package io.kpipe.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One second of a run: rates in and out, lag, and that second's latency percentiles. */
public record Sample(
        @JsonProperty("t_s") long tS,
        @JsonProperty("in_per_s") long inPerS,
        @JsonProperty("out_per_s") long outPerS,
        @JsonProperty("lag") long lag,
        @JsonProperty("p50_ms") long p50Ms,
        @JsonProperty("p99_ms") long p99Ms) {}
