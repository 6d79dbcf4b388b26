package io.kpipe.config;

import java.nio.file.Path;

/**
 * A local cluster of {@code brokers} combined broker+controller nodes. {@code port} 0 picks free
 * ports; otherwise brokers listen on port, port+1, ... {@code dataDir} null means a fresh temporary
 * directory, deleted on close unless {@code keepData}; a given directory is always kept, and a
 * cluster started again on it comes back with its data. {@code security}: plaintext, or SASL_SSL
 * with SCRAM users and ACLs (docs/security.md).
 */
public record ClusterConfig(int brokers, int port, Path dataDir, boolean keepData, SecurityMode security) {
    public ClusterConfig {
        UsageException.require(brokers >= 1 && brokers <= 9, "--brokers", "must be 1..9, got " + brokers);
        UsageException.require(port == 0 || (port >= 1024 && port + brokers - 1 <= 65535),
                "--port", "must be 0 (free ports) or 1024..65535, got " + port);
        UsageException.require(security != null, "--security", "must be plaintext or sasl_ssl");
    }

    /** A plaintext cluster. */
    public ClusterConfig(int brokers, int port, Path dataDir, boolean keepData) {
        this(brokers, port, dataDir, keepData, SecurityMode.PLAINTEXT);
    }

    public static ClusterConfig ofBrokers(int brokers) {
        return new ClusterConfig(brokers, 0, null, false);
    }

    public ClusterConfig withSecurity(SecurityMode security) {
        return new ClusterConfig(brokers, port, dataDir, keepData, security);
    }

    public boolean secured() {
        return security == SecurityMode.SASL_SSL;
    }

    /** Replication of every topic, internal ones included. */
    public int replication() {
        return Math.min(3, brokers);
    }

    public int minInsync() {
        return TopicSettings.minInsyncFor(replication());
    }
}
