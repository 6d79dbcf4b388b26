package io.kpipe.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * One window's aggregate as published on {@code points-agg-1m}: JSON, so that any consumer reads
 * it. {@code site} and {@code unit} come from the device registry ({@code unknown} and null for a
 * sensor it does not know). The record key is {@link #key(String, long)}; a later record for the same key supersedes
 * an earlier one, so the last record per key is the window's final value.
 */
public record WindowResult(
        @JsonProperty("sensor") String sensor,
        @JsonProperty("site") String site,
        @JsonProperty("unit") String unit,
        @JsonProperty("window_start") long windowStart,
        @JsonProperty("window_end") long windowEnd,
        @JsonProperty("count") long count,
        @JsonProperty("sum") double sum,
        @JsonProperty("min") double min,
        @JsonProperty("max") double max,
        @JsonProperty("mean") double mean,
        @JsonProperty("stddev") double stddev,
        @JsonProperty("first_ts") long firstTs,
        @JsonProperty("last_ts") long lastTs) {

    /** The window's result; {@code device} null: a sensor the registry does not know (site {@code unknown}). */
    public static WindowResult of(String sensor, Device device, long windowStart, long windowEnd, Aggregate a) {
        return new WindowResult(sensor, device == null ? Device.UNKNOWN_SITE : device.site(),
                device == null ? null : device.unit(), windowStart, windowEnd, a.count(), a.sum(), a.min(), a.max(),
                a.mean(), a.stddev(), a.firstTs(), a.lastTs());
    }

    /** The record key: {@code <sensor>@<window start as ISO-8601>}, e.g. {@code s-42@2026-11-25T13:01:00Z}. */
    public static String key(String sensor, long windowStart) {
        return sensor + '@' + Instant.ofEpochMilli(windowStart);
    }
}
