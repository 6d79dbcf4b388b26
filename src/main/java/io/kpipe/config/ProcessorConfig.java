package io.kpipe.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Settings of the Kafka Streams processor. {@code maxFuture}: the clock skew allowed to a device; a
 * point whose event time is further ahead of its record timestamp or of the processor's clock
 * (whichever is earlier) is dead-lettered as {@code future}, because one far-future point would
 * otherwise advance stream time and close every window still open. {@code zscore}: the z-score
 * alert rule's threshold, 0 for off.
 */
public record ProcessorConfig(
        KafkaConnection kafka,
        String topicPrefix,
        String applicationId,
        Guarantee guarantee,
        int threads,
        Duration windowSize,
        Duration grace,
        Duration maxFuture,
        Duration commitInterval,
        long cacheBytes,
        Path stateDir,
        int replication,
        int standbys,
        double zscore,
        String applicationServer) {

    /** Kafka Streams processing guarantees, by their Kafka names. */
    public enum Guarantee {
        EXACTLY_ONCE_V2, AT_LEAST_ONCE;

        public String kafkaName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final String DEFAULT_APPLICATION_ID = "kpipe-processor";
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_MAX_FUTURE = Duration.ofMinutes(1);
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(1);
    public static final long DEFAULT_CACHE_BYTES = 64L << 20;

    public ProcessorConfig {
        UsageException.require(applicationId != null && applicationId.matches("[A-Za-z0-9._-]+"),
                "--application-id", "may hold only letters, digits, '.', '_' and '-', got '" + applicationId + "'");
        UsageException.require(threads >= 1 && threads <= 64, "--threads", "must be 1..64, got " + threads);
        UsageException.require(windowSize.toMillis() >= 1000, "--window", "must be at least 1s, got " + windowSize);
        UsageException.require(!grace.isNegative(), "--grace", "must not be negative, got " + grace);
        UsageException.require(maxFuture.toMillis() > 0, "--max-future", "must be positive, got " + maxFuture);
        UsageException.require(commitInterval.toMillis() >= 10, "--commit-interval",
                "must be at least 10ms, got " + commitInterval);
        if (cacheBytes < 0) {
            // No flag sets it (statestore.cache.max.bytes passes through -X): a negative value is a defect.
            throw new IllegalArgumentException("cacheBytes must not be negative, got " + cacheBytes);
        }
        UsageException.require(replication >= 1, "replication", "must be at least 1, got " + replication);
        UsageException.require(standbys >= 0 && standbys <= 8, "--standbys", "must be 0..8, got " + standbys);
        UsageException.require(zscore == 0 || zscore >= 1 && zscore <= 100, "--zscore",
                "must be 0 (off) or 1..100 standard deviations, got " + zscore);
    }

    /**
     * The application id of the pipeline on the topics with this prefix. It names the consumer group,
     * the changelog and the transactional ids, so two pipelines must never share one: the second
     * would restore, and add to, the first one's windows.
     */
    public static String defaultApplicationId(String topicPrefix) {
        return topicPrefix + DEFAULT_APPLICATION_ID;
    }

    /** Defaults for everything but where the cluster is, the topics and the state directory. */
    public static ProcessorConfig defaults(KafkaConnection kafka, String topicPrefix, Path stateDir, int replication) {
        return new ProcessorConfig(kafka, topicPrefix, defaultApplicationId(topicPrefix), Guarantee.EXACTLY_ONCE_V2, 2,
                DEFAULT_WINDOW, DEFAULT_GRACE, DEFAULT_MAX_FUTURE, DEFAULT_COMMIT_INTERVAL, DEFAULT_CACHE_BYTES,
                stateDir, replication, 0, 0, null);
    }

    public ProcessorConfig withApplicationId(String id) {
        return new ProcessorConfig(kafka, topicPrefix, id, guarantee, threads, windowSize, grace, maxFuture,
                commitInterval, cacheBytes, stateDir, replication, standbys, zscore, applicationServer);
    }

    public ProcessorConfig withGuarantee(Guarantee g) {
        return new ProcessorConfig(kafka, topicPrefix, applicationId, g, threads, windowSize, grace, maxFuture,
                commitInterval, cacheBytes, stateDir, replication, standbys, zscore, applicationServer);
    }

    public ProcessorConfig withStandbys(int n) {
        return new ProcessorConfig(kafka, topicPrefix, applicationId, guarantee, threads, windowSize, grace, maxFuture,
                commitInterval, cacheBytes, stateDir, replication, n, zscore, applicationServer);
    }

    /** Alert on a point more than {@code z} standard deviations from its window's mean so far; 0: off. */
    public ProcessorConfig withZscore(double z) {
        return new ProcessorConfig(kafka, topicPrefix, applicationId, guarantee, threads, windowSize, grace, maxFuture,
                commitInterval, cacheBytes, stateDir, replication, standbys, z, applicationServer);
    }

    /** {@code host:port} of this instance's HTTP API, so other instances can forward queries to it. */
    public ProcessorConfig withApplicationServer(String hostPort) {
        return new ProcessorConfig(kafka, topicPrefix, applicationId, guarantee, threads, windowSize, grace, maxFuture,
                commitInterval, cacheBytes, stateDir, replication, standbys, zscore, hostPort);
    }

    /** The clock skew allowed to a device (see the class comment). */
    public ProcessorConfig withMaxFuture(Duration skew) {
        return new ProcessorConfig(kafka, topicPrefix, applicationId, guarantee, threads, windowSize, grace, skew,
                commitInterval, cacheBytes, stateDir, replication, standbys, zscore, applicationServer);
    }

    public ProcessorConfig withThreads(int t) {
        return new ProcessorConfig(kafka, topicPrefix, applicationId, guarantee, t, windowSize, grace, maxFuture,
                commitInterval, cacheBytes, stateDir, replication, standbys, zscore, applicationServer);
    }
}
