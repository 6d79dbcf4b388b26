package io.kpipe.config;

import java.nio.file.Path;

/**
 * A local cluster of {@code brokers} combined broker+controller nodes. {@code port} 0 picks free
 * ports; otherwise brokers listen on port, port+1, ... {@code dataDir} null means a fresh temporary
 * directory, deleted on close unless {@code keepData}; a given directory is always kept, and a
 * cluster started again on it comes back with its data.
 */
public record ClusterConfig(int brokers, int port, Path dataDir, boolean keepData) {
    public ClusterConfig {
        UsageException.require(brokers >= 1 && brokers <= 9, "--brokers", "must be 1..9, got " + brokers);
        UsageException.require(port == 0 || (port >= 1024 && port + brokers - 1 <= 65535),
                "--port", "must be 0 (free ports) or 1024..65535, got " + port);
    }

    public static ClusterConfig ofBrokers(int brokers) {
        return new ClusterConfig(brokers, 0, null, false);
    }

    /** Replication of every topic, internal ones included. */
    public int replication() {
        return Math.min(3, brokers);
    }

    public int minInsync() {
        return TopicSettings.minInsyncFor(replication());
    }
}
