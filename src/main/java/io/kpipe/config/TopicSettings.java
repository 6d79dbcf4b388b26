package io.kpipe.config;

/**
 * How pipeline topics are created. {@code replication} 0 means min(3, brokers); partitions of
 * {@code points} bound the parallelism of the processor.
 */
public record TopicSettings(String prefix, int partitions, int replication) {
    public TopicSettings {
        UsageException.require(prefix != null && prefix.matches("[A-Za-z0-9._-]*"),
                "--topic-prefix", "may hold only letters, digits, '.', '_' and '-', got '" + prefix + "'");
        UsageException.require(partitions >= 1 && partitions <= 10_000,
                "--partitions", "must be 1..10000, got " + partitions);
        UsageException.require(replication >= 0 && replication <= 32,
                "--replication", "must be 1..32 (or 0 for min(3, brokers)), got " + replication);
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
