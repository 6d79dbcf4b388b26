package io.kpipe.config;

import io.kpipe.config.ProcessorConfig.Guarantee;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of {@code kpipe bench}. A trial runs the generator for {@code warmup + window} at one
 * rate and judges the window. {@code max} raises the rate from {@code startRate} by {@code step}
 * until a trial falls behind (or {@code maxRate} is reached), then tries once halfway back.
 */
public record BenchConfig(
        Scenario scenario,
        Guarantee guarantee,
        int brokers,
        int partitions,
        int threads,
        int sensors,
        long rate,
        Duration duration,
        Duration warmup,
        Duration window,
        long startRate,
        long step,
        long maxRate,
        int repeat,
        long yardstickRecords,
        Path outDir,
        boolean sink) {

    public enum Scenario { YARDSTICK, MAX, STEADY }

    public BenchConfig {
        UsageException.require(brokers == 1 || brokers == 3, "--brokers", "must be 1 or 3, got " + brokers);
        UsageException.require(repeat >= 1 && repeat <= 20, "--repeat", "must be 1..20, got " + repeat);
        UsageException.require(rate > 0, "--rate", "must be a positive number of points per second, got " + rate);
        UsageException.require(startRate > 0 && step > 0, "--start-rate", "and --step must be positive");
        UsageException.require(maxRate == 0 || maxRate >= startRate, "--max-rate",
                "must be 0 (none) or at least --start-rate, got " + maxRate);
        UsageException.require(yardstickRecords >= 1000, "--yardstick-records", "must be at least 1000, got " + yardstickRecords);
        UsageException.require(window.toSeconds() >= 2, "--window", "must be at least 2s, got " + window);
        UsageException.require(warmup.compareTo(duration) < 0, "--warmup", "must be shorter than --duration");
    }

    /** Generator time of one trial of the max scenario. */
    public Duration trialDuration() {
        return warmup.plus(window);
    }
}
