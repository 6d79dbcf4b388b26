package io.kpipe.config;

import io.kpipe.config.ProcessorConfig.Guarantee;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Settings of {@code kpipe run}: a local cluster of {@code cluster.brokers()} brokers, or an
 * existing one when {@code bootstrapServers} is set; the generator's load; the processor's guarantee.
 * Latency percentiles of the summary leave out the first {@code warmup} (JIT, first rebalance).
 * {@code processors}: child processor JVMs, or 0 for one processor inside kpipe run;
 * {@code chaos}: faults to inject (see {@code chaos.ChaosRunner}).
 * {@code httpPort}: the run's HTTP server (0: a free port, -1: none).
 */
public record RunConfig(
        ClusterConfig cluster,
        String bootstrapServers,
        Map<String, String> clientConfig,
        TopicSettings topics,
        Guarantee guarantee,
        int threads,
        Duration duration,
        long rate,
        int sensors,
        double invalidRatio,
        double lateRatio,
        Duration drainTimeout,
        Duration warmup,
        Path summaryJson,
        int processors,
        int standbys,
        List<ChaosEvent> chaos,
        Sink sink,
        double zscore,
        int httpPort,
        String ingestToken) {

    /** Without an ingest token: {@code POST /ingest} takes any request. */
    public RunConfig(ClusterConfig cluster, String bootstrapServers, Map<String, String> clientConfig, TopicSettings topics,
                     Guarantee guarantee, int threads, Duration duration, long rate, int sensors, double invalidRatio,
                     double lateRatio, Duration drainTimeout, Duration warmup, Path summaryJson, int processors,
                     int standbys, List<ChaosEvent> chaos, Sink sink, double zscore, int httpPort) {
        this(cluster, bootstrapServers, clientConfig, topics, guarantee, threads, duration, rate, sensors, invalidRatio,
                lateRatio, drainTimeout, warmup, summaryJson, processors, standbys, chaos, sink, zscore, httpPort, null);
    }

    /**
     * The PostgreSQL sink of a run: off, or on with an embedded server ({@code jdbcUrl} null) or a
     * given database.
     */
    public record Sink(boolean enabled, String jdbcUrl, String user, String password) {
        public static final Sink OFF = new Sink(false, null, null, null);
        public static final Sink EMBEDDED = new Sink(true, null, null, null);
    }


    public RunConfig {
        UsageException.require(duration.toMillis() > 0, "--duration", "must be positive, got " + duration);
        UsageException.require(drainTimeout.toMillis() > 0, "--drain-timeout", "must be positive, got " + drainTimeout);
        UsageException.require(!warmup.isNegative() && warmup.compareTo(duration) < 0, "--warmup",
                "must be at least 0 and shorter than --duration, got " + warmup);
        GeneratorConfig.checkLoad(rate, sensors, invalidRatio, lateRatio);
        UsageException.require(threads >= 1 && threads <= 64, "--threads", "must be 1..64, got " + threads);
        UsageException.require(processors >= 0 && processors <= 16, "--processors",
                "must be 0..16 (0: the processor runs inside kpipe run), got " + processors);
        UsageException.require(standbys >= 0 && standbys <= 8, "--standbys", "must be 0..8, got " + standbys);
        KafkaConnection.requireGuaranteesKept(clientConfig);
        clientConfig = Map.copyOf(clientConfig);
        chaos = List.copyOf(chaos);
        UsageException.require(httpPort >= -1 && httpPort <= 65535, "--http-port",
                "must be 0..65535 (0: a free port) or -1 (none), got " + httpPort);
    }

    public boolean localCluster() {
        return bootstrapServers == null;
    }
}
