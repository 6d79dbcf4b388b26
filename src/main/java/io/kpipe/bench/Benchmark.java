package io.kpipe.bench;

import io.kpipe.cluster.LocalCluster;
import io.kpipe.chaos.ChaosRunner;
import io.kpipe.config.BenchConfig;
import io.kpipe.config.ChaosEvent;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.SecurityMode;
import io.kpipe.config.TopicSettings;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.topics.PipelineAcls;
import io.kpipe.topics.TopicAdmin;
import io.kpipe.topics.Topics;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.admin.Admin;

/**
 * The scenarios of {@code kpipe bench}, each repeated on a fresh local cluster:
 * <pre>
 * yardstick  ProducerPerformance, same record size and producer settings: raw produce ceiling
 * max        raise the rate step by step until the processor falls behind; the last rate it kept up with
 *            (also runs the yardstick on the same cluster, for the ratio)
 * steady     one rate for a duration: sustained throughput, lag over time, latency after warm-up
 * soak       steady, for long (an hour), with every JVM's memory, GC, file handles and the brokers'
 *            disk sampled throughout, judged by the {@link SoakVerdict} criteria
 * </pre>
 * Every trial reconciles like {@code kpipe run}; a trial that lost or duplicated a point makes
 * the result invalid.
 */
public final class Benchmark {
    private final BenchConfig config;
    private final PrintWriter out;
    private final boolean bracket;
    private int trialSeq;

    public Benchmark(BenchConfig config, PrintWriter out) {
        this(config, out, false);
    }

    /**
     * {@code bracket}: the max scenario searches as {@link #bracketMax} does, for a grid whose cells
     * keep up with rates far apart (the growth scenario), instead of stepping up from the start rate.
     */
    Benchmark(BenchConfig config, PrintWriter out, boolean bracket) {
        this.config = config;
        this.out = out;
        this.bracket = bracket;
    }

    public BenchResult run() throws InterruptedException {
        String started = Instant.now().toString();
        Map<SecurityMode, List<BenchResult.Repeat>> repeats = new EnumMap<>(SecurityMode.class);
        for (int i = 1; i <= config.repeat(); i++) {
            // With two security modes each repeat runs both, alternating, so drift of the machine hits both alike.
            for (SecurityMode mode : config.security()) {
                out.printf("== %s, repeat %d of %d%s%n", config.scenario().name().toLowerCase(Locale.ROOT), i, config.repeat(),
                        config.comparesSecurity() || mode != SecurityMode.PLAINTEXT ? ", " + mode.flagName() : "");
                try (LocalCluster cluster = LocalCluster.start(ClusterConfig.ofBrokers(config.brokers()).withSecurity(mode))) {
                    BenchResult.Repeat r = switch (config.scenario()) {
                        case YARDSTICK -> new BenchResult.Repeat(i, 0, yardstick(cluster), List.of(), mode.flagName());
                        case MAX -> bracket ? bracketMax(i, cluster) : max(i, cluster);
                        case STEADY -> steady(i, cluster);
                        case SOAK -> soak(i, cluster);
                        case ENGINES -> throw new IllegalArgumentException("the engines scenario is EnginesBench's");
                        case GROWTH -> throw new IllegalArgumentException("the growth scenario is Growth's");
                    };
                    repeats.computeIfAbsent(mode, m -> new ArrayList<>()).add(r);
                }
            }
        }
        BenchResult first = result(started, repeats.get(config.security().get(0)), config.security().get(0));
        for (SecurityMode mode : config.security().subList(1, config.security().size())) {
            first = first.comparedWith(result(started, repeats.get(mode), mode));
        }
        return first;
    }

    private double yardstick(LocalCluster cluster) throws InterruptedException {
        String prefix = nextPrefix();
        KafkaConnection kafka = cluster.connections(Map.of()).admin();
        try (Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
            new TopicAdmin(admin).ensure(TopicAdmin.specs(Topics.withPrefix(prefix),
                    new TopicSettings(prefix, config.partitions(), 0, config.retention()), config.brokers()));
        }
        cluster.grant(PipelineAcls.of(prefix, ProcessorConfig.defaultApplicationId(prefix), List.of()));
        double rate = Yardstick.run(cluster, Topics.withPrefix(prefix).points().name(), config.yardstickRecords());
        out.printf(Locale.ROOT, "yardstick: ProducerPerformance %,d records of %d bytes: %,.0f records/s%n",
                config.yardstickRecords(), Yardstick.RECORD_SIZE, rate);
        return rate;
    }

    private BenchResult.Repeat max(int index, LocalCluster cluster) throws InterruptedException {
        double yardstick = yardstick(cluster);
        List<Trial> trials = new ArrayList<>();
        long best = 0;
        long failed = 0;
        for (long rate = config.startRate(); config.maxRate() == 0 || rate <= config.maxRate(); rate += config.step()) {
            Trial t = trial(cluster, rate, config.trialDuration(), trials);
            if (!t.passed()) {
                failed = rate;
                break;
            }
            best = rate;
        }
        if (failed > 0 && failed - config.step() / 2 > best && best > 0) {
            long mid = failed - config.step() / 2;
            if (trial(cluster, mid, config.trialDuration(), trials).passed()) {
                best = mid;
            }
        }
        out.printf(Locale.ROOT, "max: kept up at %,d points/s%n", best);
        return new BenchResult.Repeat(index, best, yardstick, trials, security(cluster));
    }

    /** The max scenario's search for the growth scenario: {@link #bracket}, each rate one trial. */
    private BenchResult.Repeat bracketMax(int index, LocalCluster cluster) throws InterruptedException {
        double yardstick = yardstick(cluster);
        List<Trial> trials = new ArrayList<>();
        long[] found = bracket(config.startRate(), config.step(), config.maxRate(),
                rate -> trial(cluster, rate, config.trialDuration(), trials).passed());
        out.printf(Locale.ROOT, "max: kept up at %,d points/s%s%n", found[0],
                found[1] > 0 ? String.format(Locale.ROOT, "; fell behind at %,d", found[1]) : " (the highest rate tried)");
        return new BenchResult.Repeat(index, found[0], yardstick, trials, security(cluster));
    }

    /** Whether the pipeline keeps up with a rate: one trial. */
    interface KeepsUp {
        boolean at(long rate) throws InterruptedException;
    }

    /**
     * The highest rate kept up, found from {@code start} by bracketing: up by half again after each
     * pass (on multiples of {@code step}, at most {@code maxRate} unless 0), or down by half after each
     * fail, until a pass and a fail bracket it (a fail at {@link #LOWEST_RATE} gives 0); then the
     * bracket is halved, on multiples of the step, until it is one step wide. Few trials whether the
     * rate kept up is a fifth of the start or five times it. Returns {highest passed (0: none),
     * lowest failed (0: none)}.
     */
    static long[] bracket(long start, long step, long maxRate, KeepsUp keepsUp) throws InterruptedException {
        long pass = 0;
        long fail = 0;
        long rate = start;
        while (pass == 0 || fail == 0) {
            if (keepsUp.at(rate)) {
                pass = rate;
                if (maxRate > 0 && rate >= maxRate) {
                    break;
                }
                long up = Math.max(rate + step, roundToStep(rate * 3 / 2, step));
                rate = maxRate > 0 ? Math.min(up, maxRate) : up;
            } else {
                fail = rate;
                long down = Math.max(LOWEST_RATE, rate / 2 / 1000 * 1000);
                if (pass > 0 || down >= rate) {
                    break;
                }
                rate = down;
            }
        }
        while (pass > 0 && fail > pass + step) {
            long mid = roundToStep((pass + fail) / 2, step);
            if (mid <= pass || mid >= fail) {
                break;
            }
            if (keepsUp.at(mid)) {
                pass = mid;
            } else {
                fail = mid;
            }
        }
        return new long[] {pass, fail};
    }

    /** The lowest rate {@link #bracketMax} tries. */
    static final long LOWEST_RATE = 10_000;

    /** {@code rate} rounded to a multiple of {@code step}, at least one step. */
    static long roundToStep(long rate, long step) {
        return Math.max(step, Math.round((double) rate / step) * step);
    }

    private BenchResult.Repeat steady(int index, LocalCluster cluster) throws InterruptedException {
        List<Trial> trials = new ArrayList<>();
        Trial t = trial(cluster, config.rate(), config.duration(), trials);
        return new BenchResult.Repeat(index, t.judgement().rateOut(), null, trials, security(cluster));
    }

    private BenchResult.Repeat soak(int index, LocalCluster cluster) throws InterruptedException {
        out.printf(Locale.ROOT, "-- soak at %,d points/s for %ds (warm-up %ds); resources sampled every %ds%n", config.rate(),
                config.duration().toSeconds(), config.warmup().toSeconds(), Soak.SAMPLE_EVERY.toSeconds());
        Trial t = Trial.soak(config, cluster, nextPrefix(), out);
        out.printf(Locale.ROOT, "-- %s; %s; lost %d, duplicated %d%n", t.passed() ? "PASSED" : "FAILED",
                t.judgement().reason(), t.lost(), t.duplicated());
        for (SoakVerdict.Criterion c : t.soak().criteria()) {
            out.printf(Locale.ROOT, "soak: %-20s %-10s %s%n", c.name(), c.verdict().text(), c.detail());
        }
        out.printf("soak: %s%n", t.soak().passed() ? "PASSED" : SoakVerdict.failed(t.soak().criteria()) ? "FAILED"
                : "NOT JUDGED in full (too short for some criteria)");
        return new BenchResult.Repeat(index, t.judgement().rateOut(), null, List.of(t), security(cluster));
    }

    private Trial trial(LocalCluster cluster, long rate, java.time.Duration duration, List<Trial> trials)
            throws InterruptedException {
        out.printf(Locale.ROOT, "-- trial at %,d points/s for %ds (warm-up %ds)%n", rate, duration.toSeconds(),
                config.warmup().toSeconds());
        Trial t;
        try {
            t = Trial.run(config, cluster, nextPrefix(), rate, duration, out);
        } catch (RuntimeException e) {
            // One broken trial must not throw away the others: it is kept, failed and invalid.
            t = Trial.crashed(rate, e);
        }
        out.printf(Locale.ROOT, "-- %s; %s; lost %d, duplicated %d%n", t.passed() ? "PASSED" : "FAILED",
                t.judgement().reason(), t.lost(), t.duplicated());
        trials.add(t);
        return t;
    }

    private static String security(LocalCluster cluster) {
        return cluster.config().security().flagName();
    }

    private String nextPrefix() {
        return "bench" + (++trialSeq) + "-";
    }

    private BenchResult result(String started, List<BenchResult.Repeat> repeats, SecurityMode security) {
        List<Trial> all = repeats.stream().flatMap(r -> r.trials().stream()).toList();
        long lost = all.stream().mapToLong(Trial::lost).sum();
        long dup = all.stream().mapToLong(Trial::duplicated).sum();
        boolean valid = all.stream().allMatch(Trial::valid);
        BenchResult.Stats yard = config.scenario() == BenchConfig.Scenario.STEADY
                || config.scenario() == BenchConfig.Scenario.SOAK ? null
                : BenchResult.Stats.of(repeats.stream().mapToDouble(BenchResult.Repeat::yardstick).toArray());
        BenchResult.Stats points = config.scenario() == BenchConfig.Scenario.YARDSTICK ? null
                : BenchResult.Stats.of(repeats.stream().mapToDouble(BenchResult.Repeat::pointsPerS).toArray());
        // Latency of the trial that gave each repeat its figure (the last one that passed, or the only one).
        List<Trial> deciding = repeats.stream().map(Benchmark::deciding)
                .filter(t -> t != null && t.summary() != null).toList();
        BenchResult.Stats p50 = deciding.isEmpty() ? null
                : BenchResult.Stats.of(deciding.stream().mapToDouble(t -> t.summary().latencyMs().p50()).toArray());
        BenchResult.Stats p99 = deciding.isEmpty() ? null
                : BenchResult.Stats.of(deciding.stream().mapToDouble(t -> t.summary().latencyMs().p99()).toArray());
        Double ratio = config.scenario() == BenchConfig.Scenario.MAX ? points.median() / yard.median() : null;
        double[] steadyFrom = deciding.stream().map(t -> t.summary().pace().steadyFromS()).filter(Objects::nonNull)
                .mapToDouble(Long::doubleValue).toArray();
        List<ChaosRunner.Done> faults = deciding.stream().flatMap(t -> t.summary().chaos().stream())
                .filter(d -> d.error() == null && !d.action().equals("resume-broker")).toList();
        double[] recovered = faults.stream().filter(d -> d.recoveredAfterS() != null)
                .mapToDouble(ChaosRunner.Done::recoveredAfterS).toArray();
        return new BenchResult(config.scenario().name().toLowerCase(Locale.ROOT), started, Machine.describe(),
                settings(), repeats, points, p50, p99, steadyFrom.length == 0 ? null : BenchResult.Stats.of(steadyFrom),
                deciding.size() - steadyFrom.length, recovered.length == 0 ? null : BenchResult.Stats.of(recovered),
                faults.size() - recovered.length,
                yard, ratio, lost, dup, valid, security.flagName(), null);
    }

    static Trial deciding(BenchResult.Repeat r) {
        Trial last = null;
        for (Trial t : r.trials()) {
            if (t.passed() && (last == null || t.rate() > last.rate())) {
                last = t;
            }
        }
        return last != null || r.trials().isEmpty() ? last : r.trials().get(r.trials().size() - 1);
    }

    private Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("guarantee", config.guarantee().kafkaName());
        s.put("brokers", config.brokers());
        s.put("replication", Math.min(3, config.brokers()));
        s.put("partitions", config.partitions());
        s.put("threads", config.threads());
        s.put("sensors", config.sensors());
        s.put("emit", config.emit().flagName());
        s.put("security", config.security().stream().map(SecurityMode::flagName).toList());
        s.put("repeat", config.repeat());
        s.put("warmup_s", config.warmup().toSeconds());
        switch (config.scenario()) {
            case STEADY, SOAK -> {
                s.put("rate", config.rate());
                s.put("duration_s", config.duration().toSeconds());
                s.put("processors", config.processors());
                s.put("chaos", config.chaos().stream().map(ChaosEvent::toString).toList());
                if (config.scenario() == BenchConfig.Scenario.SOAK) {
                    s.put("sample_every_s", Soak.SAMPLE_EVERY.toSeconds());
                    s.put("full_gc_every_s", Soak.fullGcEvery(config.duration().toSeconds()).toSeconds());
                }
            }
            case MAX -> {
                s.put("window_s", config.window().toSeconds());
                s.put("start_rate", config.startRate());
                s.put("step", config.step());
                s.put("max_rate", config.maxRate());
                s.put("yardstick_records", config.yardstickRecords());
            }
            case YARDSTICK -> s.put("yardstick_records", config.yardstickRecords());
            case ENGINES, GROWTH -> { }
        }
        s.put("engine", config.engine().flagName());
        return s;
    }
}
