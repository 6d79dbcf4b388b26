package io.kpipe.config;

import java.time.Duration;

/**
 * How pipeline topics are created. {@code replication} 0 means min(3, brokers); partitions of
 * {@code points} bound the parallelism of the processor. {@code retention}: how long the topics
 * keep records (docs/retention.md: what it bounds, and the arithmetic of the defaults).
 */
public record TopicSettings(String prefix, int partitions, int replication, Duration retention) {
    /** Half an hour: a one-hour soak at 333,333 points/s levels off at a few GB (docs/retention.md). */
    public static final Duration DEFAULT_RETENTION = Duration.ofMinutes(30);
    /**
     * Shorter deletes no sooner (brokers look for old segments every 5 minutes by default) and
     * leaves a processor that is restarting or catching up too little time to read its points.
     */
    public static final Duration MIN_RETENTION = Duration.ofMinutes(10);
    /** A year; beyond that, size the disk rather than the retention. */
    public static final Duration MAX_RETENTION = Duration.ofHours(8760);

    public TopicSettings {
        UsageException.require(prefix != null && prefix.matches("[A-Za-z0-9._-]*"),
                "--topic-prefix", "may hold only letters, digits, '.', '_' and '-', got '" + prefix + "'");
        UsageException.require(partitions >= 1 && partitions <= 10_000,
                "--partitions", "must be 1..10000, got " + partitions);
        UsageException.require(replication >= 0 && replication <= 32,
                "--replication", "must be 1..32 (or 0 for min(3, brokers)), got " + replication);
        requireRetention(retention);
    }

    /** The default {@link #DEFAULT_RETENTION}. */
    public TopicSettings(String prefix, int partitions, int replication) {
        this(prefix, partitions, replication, DEFAULT_RETENTION);
    }

    /** @throws UsageException naming {@code --retention} unless it is within 10m..8760h */
    public static void requireRetention(Duration retention) {
        UsageException.require(retention != null && retention.compareTo(MIN_RETENTION) >= 0
                        && retention.compareTo(MAX_RETENTION) <= 0, "--retention",
                "must be 10m..8760h, got " + (retention == null ? "none" : Durations.format(retention)));
    }

    /** Replication for a cluster of {@code brokers}. */
    public int replicationFor(int brokers) {
        return replication > 0 ? replication : Math.min(3, brokers);
    }

    /** min.insync.replicas for a replication factor: one less, at least 1. */
    public static int minInsyncFor(int replication) {
        return Math.max(1, replication - 1);
    }
}
