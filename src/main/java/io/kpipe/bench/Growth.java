package io.kpipe.bench;

import io.kpipe.chaos.ChaosRunner;
import io.kpipe.chaos.ChaosSpec;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.BenchConfig;
import io.kpipe.config.ChaosEvent;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.UsageException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code kpipe bench --scenario growth}: how the cost of the pipeline grows with sensors,
 * partitions, processors and brokers. For each cell of the {@link Grid}, on fresh clusters:
 * <pre>
 * max    the highest exactly-once rate kept up, searched by bracketing (Benchmark's bracketMax),
 *        and the CPU per point at that rate, every process of the machine
 * probe  one trial at the probe rate (--rate) with every JVM's memory sampled as in a soak:
 *        the processors' live heap after the warm-up; then the last processor is SIGKILLed
 *        halfway through the window and restarted a second later, and the time until the
 *        run has caught up again is the time to restore the killed processor's state
 * </pre>
 * The processors always run as child JVMs (cold, as a restarted one is), so one can be killed.
 */
public final class Growth {
    /** How long after the kill the probe restarts the processor. */
    static final Duration RESTART_AFTER = Duration.ofSeconds(1);

    private final BenchConfig base;
    private final Grid grid;
    private final PrintWriter out;
    private int probeSeq;

    /** {@code base}: the growth scenario's settings, of which the grid replaces sensors, partitions, processors and brokers. */
    public Growth(BenchConfig base, Grid grid, PrintWriter out) {
        UsageException.require(base.scenario() == BenchConfig.Scenario.GROWTH, "--scenario", "must be growth here");
        this.base = base;
        this.grid = grid;
        this.out = out;
        probeChaos(1);   // a probe too short for its kill and restart is refused before the first cell runs
    }

    /**
     * The values each setting takes; the cells are every combination, run brokers first, then processors,
     * partitions and sensors, so that neighbouring cells differ in the sensors.
     */
    public record Grid(List<Integer> sensors, List<Integer> partitions, List<Integer> processors, List<Integer> brokers) {
        public Grid {
            sensors = checked("--sensors", sensors, 1, 100_000_000, "a positive number of sensors");
            partitions = checked("--partitions", partitions, 1, 1000, "1..1000");
            processors = checked("--processors", processors, 1, 16,
                    "1..16 with --scenario growth: the processors run as child JVMs, so that one can be killed");
            brokers = checked("--brokers", brokers, 1, 3, "1 or 3");
            UsageException.require(!brokers.contains(2), "--brokers", "must be 1 or 3, got 2");
        }

        private static List<Integer> checked(String setting, List<Integer> values, int min, int max, String allowed) {
            UsageException.require(values != null && !values.isEmpty(), setting, "needs at least one value");
            for (int v : values) {
                UsageException.require(v >= min && v <= max, setting, "must be " + allowed + ", got " + v);
            }
            UsageException.require(values.stream().distinct().count() == values.size(), setting,
                    "lists a value twice: " + values);
            return List.copyOf(values);
        }

        /** Every combination, in the order they run. */
        public List<int[]> cells() {
            List<int[]> c = new ArrayList<>();
            for (int b : brokers) {
                for (int p : processors) {
                    for (int n : partitions) {
                        for (int s : sensors) {
                            c.add(new int[] {s, n, p, b});
                        }
                    }
                }
            }
            return c;
        }
    }

    public GrowthResult run() throws InterruptedException {
        String started = Instant.now().toString();
        List<GrowthResult.Cell> cells = new ArrayList<>();
        List<int[]> all = grid.cells();
        for (int i = 0; i < all.size(); i++) {
            int[] c = all.get(i);
            out.printf(Locale.ROOT, "== growth, cell %d of %d: %,d sensors, %d partitions, %d processor JVM(s), %d broker(s)%n",
                    i + 1, all.size(), c[0], c[1], c[2], c[3]);
            BenchResult max = new Benchmark(config(BenchConfig.Scenario.MAX, c, base.rate(), List.of()), out, true).run();
            GrowthResult.Probe probe = probe(c);
            GrowthResult.Cell cell = new GrowthResult.Cell(c[0], c[1], c[2], c[3], max, probe);
            out.printf(Locale.ROOT, "growth: kept up at %,.0f points/s, %s us of CPU a point; probe at %,d/s: %s, "
                            + "processors' live heap %s MiB, restored after %s s; lost %d, duplicated %d%n",
                    cell.maxPointsPerS(), cell.cpuUsPerPoint() == null ? "-" : String.format(Locale.ROOT, "%.2f", cell.cpuUsPerPoint()),
                    probe.rate(), probe.steadyFromS() == null ? "never steady" : "steady from " + probe.steadyFromS() + " s",
                    probe.liveHeapBytes() == null ? "-" : String.format(Locale.ROOT, "%.1f", probe.liveHeapBytes() / 1048576.0),
                    probe.restoreS() == null ? "never" : String.format(Locale.ROOT, "%.1f", probe.restoreS()),
                    cell.lost(), cell.duplicated());
            cells.add(cell);
        }
        return new GrowthResult("growth", started, Machine.describe(), settings(), cells);
    }

    private GrowthResult.Probe probe(int[] c) throws InterruptedException {
        List<ChaosEvent> chaos = probeChaos(c[2]);
        BenchConfig pc = config(BenchConfig.Scenario.STEADY, c, base.rate(), chaos);
        long killAtS = chaos.get(0).at().toSeconds();
        out.printf(Locale.ROOT, "-- probe at %,d points/s for %ds (warm-up %ds): memory sampled; %s%n", pc.rate(),
                pc.duration().toSeconds(), pc.warmup().toSeconds(),
                String.join(", ", chaos.stream().map(ChaosEvent::toString).toList()));
        Trial t;
        try (LocalCluster cluster = LocalCluster.start(ClusterConfig.ofBrokers(c[3]))) {
            t = Trial.soak(pc, cluster, "growth-probe" + (++probeSeq) + "-", out);
        } catch (RuntimeException e) {
            t = Trial.crashed(pc.rate(), e);
        }
        out.printf(Locale.ROOT, "-- %s; %s; lost %d, duplicated %d%n", t.passed() ? "PASSED" : "FAILED",
                t.judgement().reason(), t.lost(), t.duplicated());
        return GrowthResult.Probe.of(pc.rate(), killAtS, pc.warmup().toSeconds(), t);
    }

    /**
     * The probe's faults: the last processor killed halfway through the window after the warm-up and
     * restarted {@link #RESTART_AFTER} later.
     */
    List<ChaosEvent> probeChaos(int processors) {
        long warmupS = base.warmup().toSeconds();
        long killAtS = warmupS + (base.duration().toSeconds() - warmupS) / 2;
        List<ChaosEvent> chaos = ChaosSpec.parse(String.format(Locale.ROOT, "kill-processor:%d@%ds,restart-processor:%d@%ds",
                processors, killAtS, processors, killAtS + RESTART_AFTER.toSeconds()));
        UsageException.require(base.duration().toSeconds() - killAtS >= 10, "--duration",
                "with --scenario growth is the probe's; it must leave at least 20 s after --warmup, for the kill "
                        + "and the restart halfway through, got " + base.duration().toSeconds() + "s");
        ChaosRunner.validate(chaos, 0, processors, base.duration());
        return chaos;
    }

    /** The base settings with the cell's sensors, partitions, processors and brokers. */
    private BenchConfig config(BenchConfig.Scenario scenario, int[] c, long rate, List<ChaosEvent> chaos) {
        return BenchConfig.builder()
                .scenario(scenario)
                .guarantee(base.guarantee())
                .brokers(c[3])
                .partitions(c[1])
                .threads(base.threads())
                .sensors(c[0])
                .rate(rate)
                .duration(base.duration())
                .warmup(base.warmup())
                .window(base.window())
                .startRate(base.startRate())
                .step(base.step())
                .maxRate(base.maxRate())
                .repeat(scenario == BenchConfig.Scenario.MAX ? base.repeat() : 1)
                .yardstickRecords(base.yardstickRecords())
                .outDir(base.outDir())
                .sink(base.sink())
                .processors(c[2])
                .chaos(chaos)
                .retention(base.retention())
                .emit(base.emit())
                .security(base.security())
                .engine(base.engine())
                .build();
    }

    private Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("guarantee", base.guarantee().kafkaName());
        s.put("sensors", grid.sensors());
        s.put("partitions", grid.partitions());
        s.put("processors", grid.processors());
        s.put("brokers", grid.brokers());
        s.put("threads", base.threads());
        s.put("emit", base.emit().flagName());
        s.put("engine", base.engine().flagName());
        s.put("sink", base.sink());
        s.put("repeat", base.repeat());
        s.put("warmup_s", base.warmup().toSeconds());
        s.put("window_s", base.window().toSeconds());
        s.put("start_rate", base.startRate());
        s.put("step", base.step());
        s.put("max_rate", base.maxRate());
        s.put("yardstick_records", base.yardstickRecords());
        s.put("probe_rate", base.rate());
        s.put("probe_duration_s", base.duration().toSeconds());
        s.put("restart_after_s", RESTART_AFTER.toSeconds());
        s.put("full_gc_every_s", Soak.fullGcEvery(base.duration().toSeconds()).toSeconds());
        return s;
    }
}
