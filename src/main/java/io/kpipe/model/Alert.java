package io.kpipe.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One reading outside its sensor's bounds, as published on {@code alerts} (key = sensor id):
 * {@code rule} is {@code min} or {@code max} (the registry's thresholds; {@code threshold} is the
 * bound crossed) or {@code zscore} (more than {@code threshold} standard deviations from the mean
 * of the sensor's points so far in the window). {@code ts} is the reading's event time.
 */
public record Alert(
        @JsonProperty("sensor") String sensor,
        @JsonProperty("site") String site,
        @JsonProperty("rule") String rule,
        @JsonProperty("value") double value,
        @JsonProperty("threshold") double threshold,
        @JsonProperty("ts") long ts) {}
