package io.kpipe.cli;

import io.kpipe.bench.BenchResult;
import io.kpipe.bench.Benchmark;
import io.kpipe.bench.Machine;
import io.kpipe.bench.Report;
import io.kpipe.sink.PostgresWriter;
import io.kpipe.sink.SinkCapacity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.kpipe.config.BenchConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark the pipeline on fresh local clusters; every run is reconciled.",
                "Writes bench-results/<timestamp>/results.json, report.html and table.md."})
final class BenchCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--scenario", required = true, description = "yardstick, max, steady, soak (steady for long, with every JVM's memory, GC, file handles "
            + "and the brokers' disk sampled and judged), engines (the engines of --engines side by side: steady, latency to a "
            + "readable result, CPU, memory, highest rate kept up; docs/engines.md), growth (how cost grows: for every combination "
            + "of --sensors, --partitions, --processors and --brokers, each a comma-separated list, the highest rate kept up, CPU "
            + "per point, the processors' heap and the time to restore a killed processor; docs/performance.md), "
            + "or sink (PostgreSQL write capacity, upsert against COPY).")
    String scenario;

    @Mixin
    EngineOption engine;

    @Option(names = "--engines", defaultValue = "streams,spark,dsl", split = ",", converter = EngineOption.EngineConverter.class,
            description = "engines: the engines compared, in the order of the first repeat (default ${DEFAULT-VALUE}).")
    List<io.kpipe.config.Engine> engines;

    @Option(names = "--ramp-steps", defaultValue = "3",
            description = "engines: trials per engine and repeat searching for the highest rate kept up, each --warmup + --window "
                    + "(default ${DEFAULT-VALUE}; 0: none).")
    int rampSteps;

    @Mixin
    ProcessingOptions processing;

    @Option(names = "--brokers", defaultValue = "1", split = ",",
            description = "1, or 3 with replication 3 (default ${DEFAULT-VALUE}); growth: a list, e.g. 1,3.")
    List<Integer> brokers;

    @Option(names = "--partitions", defaultValue = "12", split = ",",
            description = "Partitions (default ${DEFAULT-VALUE}); growth: a list, e.g. 12,48.")
    List<Integer> partitions;

    @Option(names = "--sensors", defaultValue = "10000", split = ",", converter = Converters.CountConverter.class,
            description = "Distinct sensors, e.g. 10000 or 10k (default ${DEFAULT-VALUE}); growth: a list, e.g. 10k,100k,1M.")
    List<Integer> sensors;

    @Option(names = "--rate", defaultValue = "333333", converter = Converters.RateConverter.class,
            description = "steady, soak, engines: points per second (default ${DEFAULT-VALUE}); growth: the probe's (default 50k).")
    long rate;

    @Option(names = "--duration", defaultValue = "5m", converter = Converters.DurationConverter.class,
            description = "steady, soak, engines: how long the generator sends (default ${DEFAULT-VALUE}; engines: 60s; "
                    + "growth: the probe's, 120s).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "30s", converter = Converters.DurationConverter.class,
            description = "Start of each run left out of the judgement and latency (default ${DEFAULT-VALUE}; engines: 20s).")
    Duration warmup;

    @Option(names = "--window", defaultValue = "60s", converter = Converters.DurationConverter.class,
            description = "max, engines' ramp: how long each rate must be kept up after the warm-up (default ${DEFAULT-VALUE}; engines: 20s).")
    Duration window;

    @Option(names = "--start-rate", defaultValue = "400k", converter = Converters.RateConverter.class,
            description = "max: first rate tried (default ${DEFAULT-VALUE}).")
    long startRate;

    @Option(names = "--step", defaultValue = "100k", converter = Converters.RateConverter.class,
            description = "max: rate increase between trials (default ${DEFAULT-VALUE}).")
    long step;

    @Option(names = "--max-rate", defaultValue = "0", converter = Converters.MaxRateConverter.class,
            description = "max: highest rate tried (default: no limit); engines: the ramp's ceiling (default: twice --rate).")
    long maxRate;

    @Option(names = "--repeat", description = "Repetitions, reported as median, min, max (default 3; 1 for soak).")
    Integer repeat;

    @Option(names = "--yardstick-records", defaultValue = "20000000",
            description = "Records ProducerPerformance sends (default ${DEFAULT-VALUE}).")
    long yardstickRecords;

    @Option(names = "--sink", description = "Also run the PostgreSQL sink (an embedded server) in every trial, and check its table.")
    boolean sink;

    @Option(names = "--processors", split = ",",
            description = "Processors as child JVMs in every trial, each starting cold as a restarted one does; "
                    + "0 runs one inside the bench's JVM (default 0); growth: a list of 1..16 (default 1).")
    List<Integer> processors;

    @Option(names = "--chaos", paramLabel = "SPEC",
            description = "Processor faults in every trial of --scenario steady, as kpipe run --chaos: kill-processor[:ID]@T, "
                    + "restart-processor[:ID]@T, with --processors N (e.g. kill-processor@40s with --processors 2); "
                    + "the report gives the time to recover from each. Broker faults: kpipe run --chaos or kpipe faults.")
    String chaos;

    @Mixin
    RetentionOption retention;

    @Option(names = "--security", defaultValue = "plaintext", paramLabel = "plaintext|sasl_ssl|both",
            description = "The clusters' security: plaintext, sasl_ssl (TLS, SCRAM logins, a principal per role with ACLs), "
                    + "or both: every repeat on a plaintext and then on a secured cluster, reported side by side "
                    + "with the cost of security (default ${DEFAULT-VALUE}).")
    String security;

    @Option(names = "--out", defaultValue = "bench-results", description = "Results directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<io.kpipe.config.SecurityMode> modes = securityModes(security);
        if (scenario.equalsIgnoreCase("sink")) {
            io.kpipe.config.UsageException.require(modes.equals(List.of(io.kpipe.config.SecurityMode.PLAINTEXT)),
                    "--security", "is for the pipeline scenarios; --scenario sink measures PostgreSQL alone, without Kafka");
            io.kpipe.config.UsageException.require(!given("--engine"), "--engine",
                    "has no meaning with --scenario sink: it measures PostgreSQL alone");
            return sink();
        }
        BenchConfig.Scenario sc;
        try {
            sc = BenchConfig.Scenario.valueOf(scenario.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new io.kpipe.config.UsageException("--scenario", "must be yardstick, max, steady, soak, engines, growth or sink, got '" + scenario + "'");
        }
        boolean enginesScenario = sc == BenchConfig.Scenario.ENGINES;
        boolean growth = sc == BenchConfig.Scenario.GROWTH;
        List<Integer> processors = this.processors != null ? this.processors : List.of(growth ? 1 : 0);
        if (!growth) {
            for (var e : List.of(Map.entry("--sensors", sensors), Map.entry("--partitions", partitions),
                    Map.entry("--processors", processors), Map.entry("--brokers", brokers))) {
                io.kpipe.config.UsageException.require(e.getValue().size() == 1, e.getKey(),
                        "takes one value except with --scenario growth, got " + e.getValue());
            }
        }
        if (enginesScenario) {
            io.kpipe.config.UsageException.require(!given("--engine"), "--engine",
                    "has no meaning with --scenario engines: it runs every engine of --engines");
            for (String o : List.of("--start-rate", "--step")) {
                io.kpipe.config.UsageException.require(!given(o), o,
                        "has no meaning with --scenario engines: its ramp bisects (--ramp-steps, --max-rate)");
            }
        } else {
            io.kpipe.config.UsageException.require(engine.engine != io.kpipe.config.Engine.SPARK || !given("--guarantee"),
                    "--guarantee", "has no meaning with --engine spark: its Kafka sink is at-least-once, its output idempotent by key (docs/spark.md)");
            for (String o : List.of("--engines", "--ramp-steps")) {
                io.kpipe.config.UsageException.require(!given(o), o, "is for --scenario engines");
            }
        }
        // The engines scenario runs every engine, each with a steady trial and a ramp: shorter defaults.
        Duration duration = enginesScenario && !given("--duration") ? Duration.ofSeconds(60)
                : growth && !given("--duration") ? Duration.ofSeconds(120) : this.duration;
        long rate = growth && !given("--rate") ? 50_000 : this.rate;
        Duration warmup = enginesScenario && !given("--warmup") ? Duration.ofSeconds(20) : this.warmup;
        Duration window = enginesScenario && !given("--window") ? Duration.ofSeconds(20) : this.window;
        int repeat = this.repeat != null ? this.repeat : sc == BenchConfig.Scenario.SOAK || growth ? 1 : 3;
        Path dir = out.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + sc.name().toLowerCase(Locale.ROOT));
        BenchConfig config = BenchConfig.builder()
                .scenario(sc)
                .guarantee(processing.guarantee)
                .brokers(brokers.get(0))
                .partitions(partitions.get(0))
                .threads(processing.threads)
                .sensors(sensors.get(0))
                .rate(rate)
                .duration(duration)
                .warmup(warmup)
                .window(window)
                .startRate(startRate)
                .step(step)
                .maxRate(maxRate)
                .repeat(repeat)
                .yardstickRecords(yardstickRecords)
                .outDir(dir)
                .sink(sink)
                .processors(growth ? 1 : processors.get(0))
                .chaos(io.kpipe.chaos.ChaosSpec.parse(chaos))
                .retention(retention.retention)
                .emit(processing.emit)
                .security(modes)
                .engine(engine.engine)
                .engines(engines)
                .rampSteps(rampSteps)
                .build();
        // A trial's cluster is started by the bench, not by the trial's run: only processor faults apply.
        for (var e : config.chaos()) {
            if (e.action() != io.kpipe.config.ChaosEvent.Action.KILL_PROCESSOR
                    && e.action() != io.kpipe.config.ChaosEvent.Action.RESTART_PROCESSOR) {
                throw new io.kpipe.config.UsageException("--chaos", "'" + e + "': kpipe bench injects processor faults only "
                        + "(kill-processor, restart-processor); for broker faults use kpipe run --chaos or kpipe faults");
            }
        }
        io.kpipe.chaos.ChaosRunner.validate(config.chaos(), 0, config.processors(), config.duration());
        var o = spec.commandLine().getOut();
        if (growth) {
            var g = new io.kpipe.bench.Growth(config, new io.kpipe.bench.Growth.Grid(sensors, partitions, processors, brokers), o);
            io.kpipe.bench.GrowthResult gr = g.run();
            io.kpipe.bench.GrowthReport.write(gr, dir);
            o.println();
            o.print(io.kpipe.bench.GrowthReport.table(gr));
            o.println("results: " + dir.resolve("results.json") + ", report: " + dir.resolve("report.html"));
            return gr.valid() ? Main.OK : Main.FAILED;
        }
        if (enginesScenario) {
            io.kpipe.bench.EnginesResult er = new io.kpipe.bench.EnginesBench(config, o).run();
            io.kpipe.bench.EnginesReport.write(er, dir);
            o.println();
            o.print(io.kpipe.bench.EnginesReport.table(er));
            o.println("results: " + dir.resolve("results.json") + ", report: " + dir.resolve("report.html"));
            return er.valid() ? Main.OK : Main.FAILED;
        }
        BenchResult r = new Benchmark(config, o).run();
        Report.write(r, dir);
        o.println();
        o.print(Report.table(r));
        o.println("results: " + dir.resolve("results.json") + ", report: " + dir.resolve("report.html"));
        // A soak fails on any criterion that failed; one the run was too short to judge is printed as such.
        boolean soakFailed = r.arms().stream().flatMap(a -> a.repeats().stream()).flatMap(p -> p.trials().stream())
                .anyMatch(t -> t.soak() != null && io.kpipe.bench.SoakVerdict.failed(t.soak().criteria()));
        return r.arms().stream().allMatch(BenchResult::valid) && !soakFailed ? Main.OK : Main.FAILED;
    }

    /** Whether {@code option} was given on the command line. */
    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** {@code plaintext}, {@code sasl_ssl} or {@code both} (plaintext, then sasl_ssl, in every repeat). */
    static List<io.kpipe.config.SecurityMode> securityModes(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("both")) {
            return List.of(io.kpipe.config.SecurityMode.PLAINTEXT, io.kpipe.config.SecurityMode.SASL_SSL);
        }
        for (io.kpipe.config.SecurityMode m : io.kpipe.config.SecurityMode.values()) {
            if (m.flagName().equals(v)) {
                return List.of(m);
            }
        }
        throw new io.kpipe.config.UsageException("--security", "must be plaintext, sasl_ssl or both, got '" + value + "'");
    }

    /** Both write modes of the PostgreSQL sink, {@code --repeat} times each, on fresh embedded servers. */
    private int sink() throws Exception {
        int repeat = this.repeat != null ? this.repeat : 3;
        io.kpipe.config.UsageException.require(repeat >= 1 && repeat <= 20, "--repeat", "must be 1..20, got " + repeat);
        io.kpipe.config.UsageException.require(sensors.size() == 1, "--sensors", "takes one value with --scenario sink, got " + sensors);
        int sensorCount = sensors.get(0);
        Path dir = out.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-sink");
        var o = spec.commandLine().getOut();
        SinkCapacity.Load load = new SinkCapacity.Load(sensorCount, 60, 60, io.kpipe.sink.PostgresSink.MAX_BATCH);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("scenario", "sink");
        result.put("machine", Machine.describe());
        result.put("load", load);
        StringBuilder table = new StringBuilder("| write mode | rows/s median (min-max) | PostgreSQL CPU us/row | writer CPU us/row |\n"
                + "|---|---|---|---|\n");
        try (io.kpipe.lifecycle.TempDir work = new io.kpipe.lifecycle.TempDir("kpipe-bench-sink-")) {
            for (PostgresWriter.Mode mode : PostgresWriter.Mode.values()) {
                List<SinkCapacity.Repeat> reps = SinkCapacity.measure(mode, load, repeat, work.path(), o);
                BenchResult.Stats rows = BenchResult.Stats.of(reps.stream().mapToDouble(SinkCapacity.Repeat::rowsPerS).toArray());
                BenchResult.Stats server = BenchResult.Stats.of(reps.stream().mapToDouble(SinkCapacity.Repeat::serverCpuUsPerRow).toArray());
                BenchResult.Stats writer = BenchResult.Stats.of(reps.stream().mapToDouble(SinkCapacity.Repeat::writerCpuUsPerRow).toArray());
                String name = mode.name().toLowerCase(Locale.ROOT);
                result.put(name, Map.of("repeats", reps, "rows_per_s", rows, "server_cpu_us_per_row", server,
                        "writer_cpu_us_per_row", writer));
                table.append(String.format(Locale.ROOT, "| %s | %,.0f (%,.0f-%,.0f) | %.1f | %.1f |%n", name, rows.median(),
                        rows.min(), rows.max(), server.median(), writer.median()));
            }
        }
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Files.writeString(dir.resolve("results.json"), new com.fasterxml.jackson.databind.ObjectMapper()
                .writerWithDefaultPrettyPrinter().writeValueAsString(result));
        java.nio.file.Files.writeString(dir.resolve("table.md"), table.toString());
        o.println();
        o.print(table);
        o.println("results: " + dir.resolve("results.json"));
        return Main.OK;
    }
}
