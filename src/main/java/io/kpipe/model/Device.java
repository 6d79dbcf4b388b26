package io.kpipe.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A sensor's entry in the device registry (topic {@code devices}, compacted, key = sensor id):
 * where it is, what it measures, and the thresholds outside which a reading is an alert
 * ({@code min}/{@code max}; either may be absent).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Device(
        @JsonProperty("sensor") String sensor,
        @JsonProperty("site") String site,
        @JsonProperty("type") String type,
        @JsonProperty("unit") String unit,
        @JsonProperty("min") Double min,
        @JsonProperty("max") Double max) {

    /** Site given to aggregates of a sensor the registry does not know. */
    public static final String UNKNOWN_SITE = "unknown";

    /** What is wrong with this entry, or null if nothing. */
    public String problem() {
        if (sensor == null || sensor.isEmpty()) {
            return "field 'sensor' is missing";
        }
        if (sensor.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
            return "sensor id is longer than 255 bytes";
        }
        if (site == null || site.isEmpty()) {
            return "field 'site' is missing";
        }
        if (min != null && (min.isNaN() || min.isInfinite()) || max != null && (max.isNaN() || max.isInfinite())) {
            return "thresholds must be finite numbers";
        }
        if (min != null && max != null && min > max) {
            return "min " + min + " is above max " + max;
        }
        return null;
    }
}
