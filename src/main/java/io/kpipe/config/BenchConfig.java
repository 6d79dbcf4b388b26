package io.kpipe.config;

import io.kpipe.config.ProcessorConfig.Emit;
import io.kpipe.config.ProcessorConfig.Guarantee;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

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
        boolean sink,
        int processors,
        List<ChaosEvent> chaos,
        Duration retention,
        Emit emit,
        List<SecurityMode> security,
        Engine engine,
        List<Engine> engines,
        int rampSteps) {

    /**
     * {@code ENGINES}: every engine of {@code engines} on fresh clusters, side by side (docs/engines.md).
     * {@code GROWTH}: a max search and a probe for each combination of sensors, partitions, processors
     * and brokers (io.kpipe.bench.Growth); this config is its base, the grid replaces those four.
     */
    public enum Scenario { YARDSTICK, MAX, STEADY, SOAK, ENGINES, GROWTH }

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
        UsageException.require(processors >= 0 && processors <= 16, "--processors",
                "must be 0..16 (0: the processor runs inside the bench's JVM), got " + processors);
        UsageException.require(chaos.isEmpty() || scenario == Scenario.STEADY, "--chaos",
                "is for --scenario steady (a fault at a fixed rate); got --scenario " + scenario.name().toLowerCase(java.util.Locale.ROOT));
        chaos = List.copyOf(chaos);
        TopicSettings.requireRetention(retention);
        UsageException.require(emit != null, "--emit", "must be updates or final");
        UsageException.require(security != null && !security.isEmpty()
                && security.stream().distinct().count() == security.size(), "--security", "must be plaintext, sasl_ssl or both");
        security = List.copyOf(security);
        UsageException.require(engine != null, "--engine", "must be streams, spark or dsl");
        String sc = scenario.name().toLowerCase(java.util.Locale.ROOT);
        if (scenario == Scenario.YARDSTICK || scenario == Scenario.ENGINES) {
            UsageException.require(engine == Engine.STREAMS, "--engine", "has no meaning with --scenario " + sc
                    + (scenario == Scenario.YARDSTICK ? " (it measures the producer alone)" : " (it runs every engine of --engines)"));
        }
        if (engine == Engine.SPARK || scenario == Scenario.ENGINES) {
            String with = scenario == Scenario.ENGINES ? "with --scenario engines" : "with --engine spark";
            UsageException.require(scenario != Scenario.SOAK, "--scenario soak",
                    "is not available with --engine spark: the Spark JVM is not in the soak's resource sampler yet");
            UsageException.require(processors == 0, "--processors", "has no meaning " + with
                    + (scenario == Scenario.ENGINES ? ": each engine runs in one JVM of its own" : ": the Spark processor is one child JVM"));
            UsageException.require(emit == Emit.UPDATES, "--emit", "final is not available " + with
                    + ": the Spark and DSL processors emit updates");
            UsageException.require(security.equals(List.of(SecurityMode.PLAINTEXT)), "--security",
                    "is not available " + with + ": the Spark processor is not tried on a secured cluster yet");
        }
        if (scenario == Scenario.GROWTH) {
            UsageException.require(engine != Engine.SPARK, "--engine", "spark is not available with --scenario growth: "
                    + "its probe samples the processors' memory, and the Spark JVM is not in the resource sampler yet");
            UsageException.require(security.equals(List.of(SecurityMode.PLAINTEXT)), "--security",
                    "must be plaintext with --scenario growth (compare security with --scenario max --security both)");
        }
        ProcessorConfig.requireMeaningful(engine, emit, 0);
        UsageException.require(engines != null && !engines.isEmpty() && engines.stream().distinct().count() == engines.size(),
                "--engines", "must list streams, spark and dsl, each at most once");
        engines = List.copyOf(engines);
        UsageException.require(rampSteps >= 0 && rampSteps <= 10, "--ramp-steps", "must be 0..10, got " + rampSteps);
    }

    /** More than one security mode: each repeat runs every mode in turn, on a fresh cluster each. */
    public boolean comparesSecurity() {
        return security.size() > 1;
    }

    /** Generator time of one trial of the max scenario. */
    public Duration trialDuration() {
        return warmup.plus(window);
    }

    /**
     * A builder: every setting named at the call site. All are required but {@code maxRate} (0: none),
     * {@code sink} (off), {@code processors} (0), {@code chaos} (none), {@code retention}
     * ({@link TopicSettings#DEFAULT_RETENTION}), {@code emit} (updates) and {@code security} (plaintext).
     */
    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private Scenario scenario;
        private Guarantee guarantee;
        private Integer brokers;
        private Integer partitions;
        private Integer threads;
        private Integer sensors;
        private Long rate;
        private Duration duration;
        private Duration warmup;
        private Duration window;
        private Long startRate;
        private Long step;
        private long maxRate;
        private Emit emit = Emit.UPDATES;
        private List<SecurityMode> security = List.of(SecurityMode.PLAINTEXT);
        private Integer repeat;
        private Long yardstickRecords;
        private Path outDir;
        private boolean sink;
        private int processors;
        private List<ChaosEvent> chaos = List.of();
        private Duration retention = TopicSettings.DEFAULT_RETENTION;
        private Engine engine = Engine.STREAMS;
        private List<Engine> engines = List.of(Engine.STREAMS, Engine.SPARK, Engine.DSL);
        private int rampSteps = 3;

        private Builder() {}

        /** The engine of every trial (not with the yardstick or engines scenarios); default streams. */
        public Builder engine(Engine engine) {
            this.engine = engine;
            return this;
        }

        /** The engines scenario's engines, in the order of its first repeat; default streams, spark, dsl. */
        public Builder engines(List<Engine> engines) {
            this.engines = engines;
            return this;
        }

        /** The engines scenario's search for the highest rate kept up: trials per engine and repeat; default 3. */
        public Builder rampSteps(int rampSteps) {
            this.rampSteps = rampSteps;
            return this;
        }

        public Builder scenario(Scenario scenario) {
            this.scenario = scenario;
            return this;
        }

        public Builder guarantee(Guarantee guarantee) {
            this.guarantee = guarantee;
            return this;
        }

        public Builder brokers(int brokers) {
            this.brokers = brokers;
            return this;
        }

        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder sensors(int sensors) {
            this.sensors = sensors;
            return this;
        }

        /** Points per second of the steady scenario. */
        public Builder rate(long rate) {
            this.rate = rate;
            return this;
        }

        public Builder duration(Duration duration) {
            this.duration = duration;
            return this;
        }

        public Builder warmup(Duration warmup) {
            this.warmup = warmup;
            return this;
        }

        /** The part of a trial that is judged, after the warmup. */
        public Builder window(Duration window) {
            this.window = window;
            return this;
        }

        /** The max scenario's first rate. */
        public Builder startRate(long startRate) {
            this.startRate = startRate;
            return this;
        }

        /** What the max scenario adds to the rate after a trial that kept up. */
        public Builder step(long step) {
            this.step = step;
            return this;
        }

        /** The max scenario's highest rate; 0: none. */
        public Builder maxRate(long maxRate) {
            this.maxRate = maxRate;
            return this;
        }

        public Builder repeat(int repeat) {
            this.repeat = repeat;
            return this;
        }

        public Builder yardstickRecords(long yardstickRecords) {
            this.yardstickRecords = yardstickRecords;
            return this;
        }

        public Builder outDir(Path outDir) {
            this.outDir = outDir;
            return this;
        }

        /** Add the PostgreSQL sink to every trial. */
        public Builder sink(boolean sink) {
            this.sink = sink;
            return this;
        }

        /** Processors as child JVMs in every trial (cold, as a restarted processor is); 0: in the bench's JVM. */
        public Builder processors(int processors) {
            this.processors = processors;
            return this;
        }

        /** Faults in every trial of the steady scenario; none if not set. */
        public Builder chaos(List<ChaosEvent> chaos) {
            this.chaos = Objects.requireNonNull(chaos, "chaos");
            return this;
        }

        /** How long the topics of every trial keep records (the outputs: at least the trial and 10m more). */
        public Builder retention(Duration retention) {
            this.retention = retention;
            return this;
        }

        /** What the processor writes to points-agg-1m in every trial; default {@link Emit#UPDATES}. */
        public Builder emit(Emit emit) {
            this.emit = emit;
            return this;
        }

        /**
         * The clusters' security, in the order each repeat runs them; default plaintext only.
         * Two modes compare them: the same trials on a plaintext and on a secured cluster, alternating.
         */
        public Builder security(List<SecurityMode> security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        public BenchConfig build() {
            return new BenchConfig(required(scenario, "scenario"), required(guarantee, "guarantee"),
                    required(brokers, "brokers"), required(partitions, "partitions"), required(threads, "threads"),
                    required(sensors, "sensors"), required(rate, "rate"), required(duration, "duration"),
                    required(warmup, "warmup"), required(window, "window"), required(startRate, "startRate"),
                    required(step, "step"), maxRate, required(repeat, "repeat"),
                    required(yardstickRecords, "yardstickRecords"), required(outDir, "outDir"), sink, processors, chaos,
                    retention, emit, security, engine, engines, rampSteps);
        }

        private static <T> T required(T value, String name) {
            return Objects.requireNonNull(value, () -> "BenchConfig.builder(): " + name + " is required");
        }
    }
}
