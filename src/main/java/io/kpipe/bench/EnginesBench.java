package io.kpipe.bench;

import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.BenchConfig;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.Engine;
import io.kpipe.config.KafkaConnection;
import io.kpipe.run.PipelineRun;
import io.kpipe.run.Sample;
import io.kpipe.topics.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * {@code kpipe bench --scenario engines}: the same job on each engine of {@code --engines}, side by
 * side (docs/engines.md). In each repeat every engine runs once, each on a fresh cluster, in an order
 * that rotates from repeat to repeat (so drift of the machine does not always hit the same engine):
 * <pre>
 * fresh cluster ──► steady: --rate for --duration, reconciled; meanwhile a read_committed reader of
 *                   points-agg-1m ({@link ResultLatency}) and a sampler of every process's CPU and the
 *                   engine JVM's memory ({@link EngineMeter})
 *               ──► ramp: up to --ramp-steps trials of --warmup + --window, bisecting for the highest
 *                   rate kept up (from the steady rate up to --max-rate, default twice it, if that was
 *                   kept up; else below it, starting at 90% of what it processed)
 * </pre>
 * Each engine runs in a JVM of its own: Spark's child JVM, and Kafka Streams (kpipe's topology and
 * the DSL one) as one child processor ({@code --processors 1}), so the memory figures compare engines,
 * not the bench's own JVM. Every trial is reconciled like {@code kpipe run}.
 */
public final class EnginesBench {
    /**
     * The steady trial's drain: an engine far below the steady rate leaves a backlog the books must
     * wait for (at 333,333/s for 60 s, an engine of 55,000/s catches up in 300 s). One that has not
     * caught up by then is reported as not drained, and its books as not exact.
     */
    static final Duration STEADY_DRAIN = Duration.ofSeconds(300);

    private final BenchConfig config;
    private final PrintWriter out;
    private int trialSeq;

    public EnginesBench(BenchConfig config, PrintWriter out) {
        this.config = config;
        this.out = out;
    }

    public EnginesResult run() throws InterruptedException {
        String started = Instant.now().toString();
        Map<Engine, List<EnginesResult.Repeat>> repeats = new LinkedHashMap<>();
        config.engines().forEach(e -> repeats.put(e, new ArrayList<>()));
        for (int i = 1; i <= config.repeat(); i++) {
            List<Engine> order = rotated(config.engines(), i - 1);
            for (int pos = 1; pos <= order.size(); pos++) {
                Engine e = order.get(pos - 1);
                out.printf("== engines, repeat %d of %d: %s (%d of %d)%n", i, config.repeat(), e.flagName(), pos,
                        order.size());
                out.flush();
                try (LocalCluster cluster = LocalCluster.start(ClusterConfig.ofBrokers(config.brokers()))) {
                    repeats.get(e).add(repeat(i, pos, e, cluster));
                }
            }
        }
        List<EnginesResult.Arm> arms = config.engines().stream()
                .map(e -> EnginesResult.Arm.of(e.flagName(), repeats.get(e))).toList();
        return EnginesResult.of(started, Machine.describe(), settings(), arms);
    }

    /** {@code engines} starting at index {@code shift} (mod its size). */
    static List<Engine> rotated(List<Engine> engines, int shift) {
        List<Engine> out = new ArrayList<>();
        for (int i = 0; i < engines.size(); i++) {
            out.add(engines.get((i + shift) % engines.size()));
        }
        return out;
    }

    /** Processor JVMs of a trial: Spark is one child JVM by itself; Kafka Streams gets one child processor. */
    static int processors(Engine engine) {
        return engine == Engine.SPARK ? 0 : 1;
    }

    private EnginesResult.Repeat repeat(int index, int position, Engine engine, LocalCluster cluster)
            throws InterruptedException {
        out.printf(Locale.ROOT, "-- %s: steady at %,d points/s for %ds (warm-up %ds)%n", engine.flagName(), config.rate(),
                config.duration().toSeconds(), config.warmup().toSeconds());
        String prefix = nextPrefix();
        KafkaConnection kafka = cluster.connections(Map.of()).admin();
        Trial steady;
        EnginesResult.Measures m;
        long start = System.currentTimeMillis();
        try (ResultLatency reader = ResultLatency.start(kafka, Topics.withPrefix(prefix).aggregates().name(), config.warmup());
             EngineMeter meter = EngineMeter.start(engine)) {
            try {
                PipelineRun.Result r = new PipelineRun(Trial.runConfig(config, cluster.bootstrapServers(), prefix,
                        config.rate(), config.duration(), engine, processors(engine), STEADY_DRAIN), out).onCluster(cluster)
                        .execute();
                boolean readAll = reader.awaitEnd(Duration.ofSeconds(60));
                steady = Trial.judged(config, r, config.rate(), config.duration());
                m = measures(steady, reader.histogram(), reader.firstReadMs(), reader.origin(), meter.points(), start);
                if (!readAll) {
                    out.println("-- the result reader did not reach the end of points-agg-1m within 60 s"
                            + (reader.failure() == null ? "" : ": " + reader.failure()) + "; latency from what it read");
                }
            } catch (RuntimeException e) {
                steady = Trial.crashed(config.rate(), e);
                m = new EnginesResult.Measures(false, 0, null, null, 0, null, null, null, null, null);
            }
        }
        Trial.deleteTopics(cluster, prefix);
        out.printf(Locale.ROOT, "-- %s; %s; lost %d, duplicated %d; %s%n", steady.passed() ? "PASSED" : "FAILED",
                steady.judgement().reason(), steady.lost(), steady.duplicated(), EnginesReport.measuresLine(m));
        List<Trial> ramp = new ArrayList<>();
        long max = ramp(engine, cluster, steady, ramp);
        out.printf(Locale.ROOT, "-- %s: highest rate kept up %,d points/s%n", engine.flagName(), max);
        out.flush();
        return new EnginesResult.Repeat(index, position, steady, m, ramp, max);
    }

    /**
     * The measures of a steady trial, over its judged window (after the warm-up, to the end of sending),
     * the start of sending being the earliest point the reader saw in a result.
     */
    EnginesResult.Measures measures(Trial steady, Histogram latency, long firstReadMs, long origin,
                                    List<EngineMeter.Point> meter, long startMs) {
        long warmupS = config.warmup().toSeconds();
        long durationS = config.duration().toSeconds();
        long points = steady.timeline().stream().filter(s -> s.tS() > warmupS && s.tS() <= durationS)
                .mapToLong(Sample::outPerS).sum();
        boolean seen = origin != Long.MAX_VALUE;
        var cost = seen ? EngineMeter.cost(meter, origin + warmupS * 1000, origin + durationS * 1000)
                : java.util.Optional.<EngineMeter.Cost>empty();
        return new EnginesResult.Measures(steady.passed(), steady.judgement().rateOut(),
                latency.getTotalCount() == 0 ? null : (double) latency.getValueAtPercentile(50),
                latency.getTotalCount() == 0 ? null : (double) latency.getValueAtPercentile(99),
                latency.getTotalCount(),
                firstReadMs < 0 ? null : (firstReadMs - startMs) / 1000.0,
                firstReadMs < 0 || !seen ? null : (firstReadMs - origin) / 1000.0,
                cost.isEmpty() || points == 0 ? null : cost.get().cpuNs() / 1000.0 / points,
                cost.isEmpty() || cost.get().engineRssBytes() < 0 ? null : cost.get().engineRssBytes() / 1048576.0,
                cost.isEmpty() || cost.get().engineHeapAfterGcBytes() < 0 ? null
                        : cost.get().engineHeapAfterGcBytes() / 1048576.0);
    }

    /** The ramp: bisects for the highest rate kept up; returns it (0: none tried was). */
    private long ramp(Engine engine, LocalCluster cluster, Trial steady, List<Trial> trials) throws InterruptedException {
        long rate = config.rate();
        long lo = steady.passed() ? rate : 0;
        long hi = steady.passed() ? (config.maxRate() > 0 ? config.maxRate() : 2 * rate) : rate;
        long next = steady.passed() ? nice((lo + hi) / 2)
                : nice(steady.judgement().rateOut() > 0 ? steady.judgement().rateOut() * 9 / 10 : rate / 4);
        for (int step = 1; step <= config.rampSteps(); step++) {
            if (next <= lo || next >= hi) {
                next = nice((lo + hi) / 2);
            }
            if (next <= lo || next >= hi) {
                break;   // nothing left between them at this granularity
            }
            out.printf(Locale.ROOT, "-- %s: ramp %d of %d at %,d points/s for %ds (warm-up %ds)%n", engine.flagName(),
                    step, config.rampSteps(), next, config.trialDuration().toSeconds(), config.warmup().toSeconds());
            Trial t;
            String prefix = nextPrefix();
            try {
                t = Trial.run(config, cluster, prefix, next, config.trialDuration(), out, engine, processors(engine));
            } catch (RuntimeException e) {
                t = Trial.crashed(next, e);
                Trial.deleteTopics(cluster, prefix);
            }
            out.printf(Locale.ROOT, "-- %s; %s; lost %d, duplicated %d%n", t.passed() ? "PASSED" : "FAILED",
                    t.judgement().reason(), t.lost(), t.duplicated());
            trials.add(t);
            if (t.passed()) {
                lo = next;
            } else {
                hi = next;
            }
            next = nice((lo + hi) / 2);
        }
        return lo;
    }

    /** {@code rate} rounded down to 10k (above 100k), 1k (above 10k) or 100 points/s; at least 100. */
    static long nice(long rate) {
        long g = rate >= 100_000 ? 10_000 : rate >= 10_000 ? 1_000 : 100;
        return Math.max(100, rate / g * g);
    }

    private String nextPrefix() {
        return "engines" + (++trialSeq) + "-";
    }

    private Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("engines", config.engines().stream().map(Engine::flagName).toList());
        s.put("guarantee", config.guarantee().kafkaName() + " (kafka streams engines; spark: at_least_once, idempotent by key)");
        s.put("brokers", config.brokers());
        s.put("partitions", config.partitions());
        s.put("threads", config.threads());
        s.put("sensors", config.sensors());
        s.put("rate", config.rate());
        s.put("duration_s", config.duration().toSeconds());
        s.put("warmup_s", config.warmup().toSeconds());
        s.put("window_s", config.window().toSeconds());
        s.put("ramp_steps", config.rampSteps());
        s.put("max_rate", config.maxRate());
        s.put("repeat", config.repeat());
        s.put("sink", config.sink());
        s.put("engine_jvm", "-Xms512m -Xmx1g; spark: its child JVM; streams, dsl: one child processor (kpipe process --child)");
        return s;
    }
}
