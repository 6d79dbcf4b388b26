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
        String applicationServer,
        Emit emit,
        Engine engine) {

    /** Kafka Streams processing guarantees, by their Kafka names. */
    public enum Guarantee {
        EXACTLY_ONCE_V2, AT_LEAST_ONCE;

        public String kafkaName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What goes to {@code points-agg-1m}: {@code UPDATES}, every window changed since the last commit,
     * at every commit (a window's latest value within a commit interval; the last record per key is
     * its final value); {@code FINAL}, each window once, when it closes (stream time past its end
     * plus the grace), in the same transaction as the input offsets. See docs/pipeline.md.
     */
    public enum Emit {
        UPDATES, FINAL;

        /** The flag's spelling: {@code updates} or {@code final}. */
        public String flagName() {
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
        UsageException.require(emit != null, "--emit", "must be updates or final");
        UsageException.require(engine != null, "--engine", "must be streams, spark or dsl");
        requireMeaningful(engine, emit, zscore);
    }

    /**
     * Refuses, in one line, the settings the {@code dsl} engine has no meaning for: {@code --emit final}
     * and {@code --zscore} (the DSL job emits at each commit and raises no alerts; docs/engines.md).
     */
    public static void requireMeaningful(Engine engine, Emit emit, double zscore) {
        if (engine == Engine.DSL) {
            UsageException.require(emit == Emit.UPDATES, "--emit",
                    "final is not available with --engine dsl: the DSL job emits updates at each commit (docs/engines.md)");
            UsageException.require(zscore == 0, "--zscore",
                    "is not available with --engine dsl: the DSL job raises no alerts (docs/engines.md)");
        }
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
        return builder(kafka, topicPrefix, stateDir, replication).build();
    }

    /**
     * A builder holding the defaults for everything but where the cluster is, the topics and the
     * state directory; the application id is {@link #defaultApplicationId} of {@code topicPrefix}.
     *
     * <pre>{@code
     * ProcessorConfig pc = ProcessorConfig.builder(kafka, "", stateDir, 1).threads(4).zscore(3).build();
     * }</pre>
     */
    public static Builder builder(KafkaConnection kafka, String topicPrefix, Path stateDir, int replication) {
        Builder b = new Builder();
        b.kafka = kafka;
        b.topicPrefix = topicPrefix;
        b.applicationId = defaultApplicationId(topicPrefix);
        b.guarantee = Guarantee.EXACTLY_ONCE_V2;
        b.threads = 2;
        b.windowSize = DEFAULT_WINDOW;
        b.grace = DEFAULT_GRACE;
        b.maxFuture = DEFAULT_MAX_FUTURE;
        b.commitInterval = DEFAULT_COMMIT_INTERVAL;
        b.cacheBytes = DEFAULT_CACHE_BYTES;
        b.stateDir = stateDir;
        b.replication = replication;
        b.emit = Emit.UPDATES;
        b.engine = Engine.STREAMS;
        return b;
    }

    /** A builder holding this config's values, to copy it with some of them changed. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.kafka = kafka;
        b.topicPrefix = topicPrefix;
        b.applicationId = applicationId;
        b.guarantee = guarantee;
        b.threads = threads;
        b.windowSize = windowSize;
        b.grace = grace;
        b.maxFuture = maxFuture;
        b.commitInterval = commitInterval;
        b.cacheBytes = cacheBytes;
        b.stateDir = stateDir;
        b.replication = replication;
        b.standbys = standbys;
        b.zscore = zscore;
        b.applicationServer = applicationServer;
        b.emit = emit;
        b.engine = engine;
        return b;
    }

    /** Names each setting at the call site; {@link #build()} validates like the constructor. */
    public static final class Builder {
        private KafkaConnection kafka;
        private String topicPrefix;
        private String applicationId;
        private Guarantee guarantee;
        private int threads;
        private Duration windowSize;
        private Duration grace;
        private Duration maxFuture;
        private Duration commitInterval;
        private long cacheBytes;
        private Path stateDir;
        private int replication;
        private int standbys;
        private double zscore;
        private String applicationServer;
        private Emit emit;
        private Engine engine;

        private Builder() {}

        public Builder kafka(KafkaConnection kafka) {
            this.kafka = kafka;
            return this;
        }

        public Builder topicPrefix(String topicPrefix) {
            this.topicPrefix = topicPrefix;
            return this;
        }

        public Builder applicationId(String applicationId) {
            this.applicationId = applicationId;
            return this;
        }

        public Builder guarantee(Guarantee guarantee) {
            this.guarantee = guarantee;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder windowSize(Duration windowSize) {
            this.windowSize = windowSize;
            return this;
        }

        public Builder grace(Duration grace) {
            this.grace = grace;
            return this;
        }

        /** The clock skew allowed to a device (see the class comment). */
        public Builder maxFuture(Duration maxFuture) {
            this.maxFuture = maxFuture;
            return this;
        }

        public Builder commitInterval(Duration commitInterval) {
            this.commitInterval = commitInterval;
            return this;
        }

        public Builder cacheBytes(long cacheBytes) {
            this.cacheBytes = cacheBytes;
            return this;
        }

        public Builder stateDir(Path stateDir) {
            this.stateDir = stateDir;
            return this;
        }

        public Builder replication(int replication) {
            this.replication = replication;
            return this;
        }

        public Builder standbys(int standbys) {
            this.standbys = standbys;
            return this;
        }

        /** Alert on a point more than {@code z} standard deviations from its window's mean so far; 0: off. */
        public Builder zscore(double zscore) {
            this.zscore = zscore;
            return this;
        }

        /** {@code host:port} of this instance's HTTP API, so other instances can forward queries to it. */
        public Builder applicationServer(String hostPort) {
            this.applicationServer = hostPort;
            return this;
        }

        /** Every update at each commit (the default), or each window once when it closes ({@link Emit}). */
        public Builder emit(Emit emit) {
            this.emit = emit;
            return this;
        }

        /**
         * Which topology a Kafka Streams processor runs: kpipe's ({@link Engine#STREAMS}, the default) or
         * the plain DSL one ({@link Engine#DSL}); {@link Engine#SPARK} is started by the caller instead.
         */
        public Builder engine(Engine engine) {
            this.engine = engine;
            return this;
        }

        public ProcessorConfig build() {
            return new ProcessorConfig(kafka, topicPrefix, applicationId, guarantee, threads, windowSize, grace,
                    maxFuture, commitInterval, cacheBytes, stateDir, replication, standbys, zscore, applicationServer,
                    emit, engine);
        }
    }
}
