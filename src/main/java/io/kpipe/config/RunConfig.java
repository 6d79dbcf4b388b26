package io.kpipe.config;

import io.kpipe.config.ProcessorConfig.Emit;
import io.kpipe.config.ProcessorConfig.Guarantee;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of {@code kpipe run}: a local cluster of {@code cluster.brokers()} brokers, or an
 * existing one when {@code bootstrapServers} is set; the generator's load; the processor's guarantee.
 * Latency percentiles of the summary leave out the first {@code warmup} (JIT, first rebalance).
 * {@code processors}: child processor JVMs, or 0 for one processor inside kpipe run;
 * {@code chaos}: faults to inject (see {@code chaos.ChaosRunner}).
 * {@code httpPort}: the run's HTTP server (0: a free port, -1: none).
 * {@code emit}: what the processor writes to {@code points-agg-1m} ({@link Emit}).
 * {@code httpEndpoint}: the address and TLS of that server ({@link HttpEndpoint}).
 * {@code hosts}: every broker and processor on a host of its own (network namespaces, docs/hosts.md).
 * {@code engine}: the stream processor ({@link Engine}); Spark runs as one child JVM (docs/spark.md).
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
        String ingestToken,
        Emit emit,
        HttpEndpoint httpEndpoint,
        boolean hosts,
        Engine engine) {

    /**
     * The PostgreSQL sink of a run: off, or on with an embedded server ({@code jdbcUrl} null) or a
     * given database.
     */
    public record Sink(boolean enabled, String jdbcUrl, String user, String password) {
        public static final Sink OFF = new Sink(false, null, null, null);
        public static final Sink EMBEDDED = new Sink(true, null, null, null);

        /** Printable: the password is masked ({@link Secrets}). */
        @Override
        public String toString() {
            return Secrets.describe(this);
        }
    }

    /** Printable: client settings, the ingest token and the database password are masked ({@link Secrets}). */
    @Override
    public String toString() {
        return Secrets.describe(this);
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
        UsageException.require(bootstrapServers == null || !cluster.secured(), "--security",
                "secures the local cluster only; with --bootstrap-servers give the client settings with --kafka-config");
        KafkaConnection.requireGuaranteesKept(clientConfig);
        clientConfig = Map.copyOf(clientConfig);
        UsageException.require(emit != null, "--emit", "must be updates or final");
        chaos = List.copyOf(chaos);
        UsageException.require(httpPort >= -1 && httpPort <= 65535, "--http-port",
                "must be 0..65535 (0: a free port) or -1 (none), got " + httpPort);
        UsageException.require(httpEndpoint != null, "--http-bind", "must be an address of this machine");
        if (httpPort >= 0) {
            // The run's server takes POST /ingest.
            httpEndpoint.requireTokenBeyondLoopback(ingestToken);
        }
        if (hosts) {
            UsageException.require(bootstrapServers == null, "--hosts",
                    "starts kpipe's own brokers on hosts of their own; it cannot be used with --bootstrap-servers");
            UsageException.require(!cluster.secured(), "--hosts",
                    "runs a plaintext cluster; --security sasl_ssl on hosts is not supported yet");
            UsageException.require(processors >= 1, "--processors",
                    "must be 1..16 with --hosts (each processor runs on a host of its own), got " + processors);
        }
        UsageException.require(engine != null, "--engine", "must be streams, spark or dsl");
        ProcessorConfig.requireMeaningful(engine, emit, zscore);
        if (engine == Engine.SPARK) {
            requireStreamsOnly(processors == 0, "--processors", "the Spark processor is one child JVM (--threads sets its cores)");
            requireStreamsOnly(standbys == 0, "--standbys", "Spark keeps its state in its checkpoint");
            requireStreamsOnly(emit == Emit.UPDATES, "--emit final", "the Spark processor emits updates");
            requireStreamsOnly(zscore == 0, "--zscore", "the Spark processor raises no alerts");
            requireStreamsOnly(!cluster.secured(), "--security", "the Spark processor is not tried on a secured cluster yet");
            requireStreamsOnly(!hosts, "--hosts", "the Spark processor does not run on a host of its own yet");
        }
    }

    /** One line for a setting of the Kafka Streams processor that has no meaning for Spark. */
    private static void requireStreamsOnly(boolean ok, String setting, String why) {
        UsageException.require(ok, setting, "is not available with --engine spark: " + why);
    }

    public boolean localCluster() {
        return bootstrapServers == null;
    }

    /**
     * A builder: every setting named at the call site. Required: cluster, topics, guarantee, threads,
     * duration, rate, sensors, drain timeout and HTTP port; the others default to off, none or zero
     * (no bootstrap servers, no client settings, no invalid or late points, no warmup, no summary
     * file, no child processors, no standbys, no chaos, no sink, no z-score alerts, no ingest token).
     *
     * <pre>{@code
     * RunConfig rc = RunConfig.builder().cluster(ClusterConfig.ofBrokers(1)).topics(new TopicSettings("", 12, 0))
     *         .guarantee(Guarantee.EXACTLY_ONCE_V2).threads(2).duration(Duration.ofSeconds(60)).rate(100_000)
     *         .sensors(10_000).drainTimeout(Duration.ofSeconds(120)).httpPort(-1).build();
     * }</pre>
     */
    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private ClusterConfig cluster;
        private String bootstrapServers;
        private Map<String, String> clientConfig = Map.of();
        private TopicSettings topics;
        private Guarantee guarantee;
        private Integer threads;
        private Duration duration;
        private Long rate;
        private Integer sensors;
        private double invalidRatio;
        private double lateRatio;
        private Duration drainTimeout;
        private Duration warmup = Duration.ZERO;
        private Path summaryJson;
        private int processors;
        private int standbys;
        private List<ChaosEvent> chaos = List.of();
        private Sink sink = Sink.OFF;
        private double zscore;
        private Integer httpPort;
        private String ingestToken;
        private Emit emit = Emit.UPDATES;
        private HttpEndpoint httpEndpoint = HttpEndpoint.LOOPBACK;
        private boolean hosts;
        private Engine engine = Engine.STREAMS;

        private Builder() {}

        public Builder cluster(ClusterConfig cluster) {
            this.cluster = cluster;
            return this;
        }

        /** An existing cluster instead of a local one. */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        /** Kafka client settings passed through ({@code -X}, {@code --kafka-config}). */
        public Builder clientConfig(Map<String, String> clientConfig) {
            this.clientConfig = clientConfig;
            return this;
        }

        public Builder topics(TopicSettings topics) {
            this.topics = topics;
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

        public Builder duration(Duration duration) {
            this.duration = duration;
            return this;
        }

        /** Points per second; 0: as fast as the cluster takes them. */
        public Builder rate(long rate) {
            this.rate = rate;
            return this;
        }

        public Builder sensors(int sensors) {
            this.sensors = sensors;
            return this;
        }

        public Builder invalidRatio(double invalidRatio) {
            this.invalidRatio = invalidRatio;
            return this;
        }

        public Builder lateRatio(double lateRatio) {
            this.lateRatio = lateRatio;
            return this;
        }

        public Builder drainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
            return this;
        }

        /** Left out of the latency percentiles. */
        public Builder warmup(Duration warmup) {
            this.warmup = warmup;
            return this;
        }

        /** Also write the summary as JSON here. */
        public Builder summaryJson(Path summaryJson) {
            this.summaryJson = summaryJson;
            return this;
        }

        /** Child processor JVMs; 0: one processor inside kpipe run. */
        public Builder processors(int processors) {
            this.processors = processors;
            return this;
        }

        public Builder standbys(int standbys) {
            this.standbys = standbys;
            return this;
        }

        /** Faults to inject. */
        public Builder chaos(List<ChaosEvent> chaos) {
            this.chaos = chaos;
            return this;
        }

        public Builder sink(Sink sink) {
            this.sink = sink;
            return this;
        }

        public Builder zscore(double zscore) {
            this.zscore = zscore;
            return this;
        }

        /** 0: a free port; -1: no HTTP server. */
        public Builder httpPort(int httpPort) {
            this.httpPort = httpPort;
            return this;
        }

        /** Required by {@code POST /ingest} as a bearer token; null: any request is taken. */
        public Builder ingestToken(String ingestToken) {
            this.ingestToken = ingestToken;
            return this;
        }

        /** What the processor writes to points-agg-1m; default {@link Emit#UPDATES}. */
        public Builder emit(Emit emit) {
            this.emit = emit;
            return this;
        }

        /** Address and TLS of the run's HTTP server; default {@link HttpEndpoint#LOOPBACK}. */
        public Builder httpEndpoint(HttpEndpoint httpEndpoint) {
            this.httpEndpoint = httpEndpoint;
            return this;
        }

        /** Every broker and processor on a host of its own (--hosts); default off. */
        public Builder hosts(boolean hosts) {
            this.hosts = hosts;
            return this;
        }

        /** The stream processor; default {@link Engine#STREAMS}. */
        public Builder engine(Engine engine) {
            this.engine = engine;
            return this;
        }

        public RunConfig build() {
            return new RunConfig(required(cluster, "cluster"), bootstrapServers, clientConfig,
                    required(topics, "topics"), required(guarantee, "guarantee"), required(threads, "threads"),
                    required(duration, "duration"), required(rate, "rate"), required(sensors, "sensors"), invalidRatio,
                    lateRatio, required(drainTimeout, "drainTimeout"), warmup, summaryJson, processors, standbys, chaos,
                    sink, zscore, required(httpPort, "httpPort"), ingestToken, emit, httpEndpoint,
                    hosts, engine);
        }

        private static <T> T required(T value, String name) {
            return Objects.requireNonNull(value, () -> "RunConfig.builder(): " + name + " is required");
        }
    }
}
