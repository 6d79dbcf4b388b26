package io.kpipe.config;

import java.time.Duration;

/**
 * What the load generator sends. {@code rate} 0 means as fast as the cluster takes; it stops after
 * {@code points} points, or after {@code duration}, whichever is set (points wins when both are).
 * Of the points, {@code invalidRatio} are malformed (a mix of every format's failure modes) and
 * {@code lateRatio} carry an event time an hour old, late for any grace shorter than that.
 */
public record GeneratorConfig(
        KafkaConnection kafka,
        String topicPrefix,
        long rate,
        int sensors,
        long points,
        Duration duration,
        double invalidRatio,
        double lateRatio,
        long seed) {

    public static final long MAX_RATE = 0;
    public static final Duration LATE_BY = Duration.ofHours(1);
    /** Window of the per-key tally: the processor's default window, which kpipe run and bench use. */
    public static final Duration TALLY_WINDOW = ProcessorConfig.DEFAULT_WINDOW;

    public GeneratorConfig {
        checkLoad(rate, sensors, invalidRatio, lateRatio);
        UsageException.require(points > 0 || (duration != null && duration.toMillis() > 0),
                "--duration", "must be positive (or give --points), got " + duration);
    }

    /** Checks the settings of the load, wherever they are given. */
    public static void checkLoad(long rate, int sensors, double invalidRatio, double lateRatio) {
        UsageException.require(rate >= 0, "--rate", "must be a positive number of points per second or 'max', got " + rate);
        UsageException.require(sensors >= 1 && sensors <= 10_000_000, "--sensors", "must be 1..10000000, got " + sensors);
        UsageException.require(invalidRatio >= 0 && invalidRatio <= 1, "--invalid-ratio",
                "must be between 0 and 1, got " + invalidRatio);
        UsageException.require(lateRatio >= 0 && lateRatio <= 1, "--late-ratio",
                "must be between 0 and 1, got " + lateRatio);
        UsageException.require(invalidRatio + lateRatio <= 1, "--late-ratio",
                "plus --invalid-ratio must not exceed 1, got " + (invalidRatio + lateRatio));
    }

    /** True when the generator stops after a number of points rather than a duration. */
    public boolean bounded() {
        return points > 0;
    }
}
