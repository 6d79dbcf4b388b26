package io.kpipe.cli;

import io.kpipe.faults.FaultSuite;
import io.kpipe.config.UsageException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "faults", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the fault-tolerance scenarios (brokers and processors killed or frozen under load),",
                "each a kpipe run --chaos on a fresh local cluster, and print a table of the outcomes.",
                "Writes bench-results/<timestamp>-faults/results.json and table.md."})
final class FaultsCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--rate", defaultValue = "100k", converter = Converters.RateConverter.class,
            description = "Points per second in every scenario (default ${DEFAULT-VALUE}).")
    long rate;

    @Option(names = "--duration", defaultValue = "90s", converter = Converters.DurationConverter.class,
            description = "Generator time of each scenario; faults start at a third of it (default ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--suite", defaultValue = "pipeline",
            description = "pipeline (kpipe run with brokers and processors killed, frozen or cut off), partitions (only "
                    + "the network partitions of pipeline, with --hosts; docs/hosts.md) or sink (the PostgreSQL "
                    + "sink: database frozen, sinks joining and leaving, bad records; docs/sinks.md) (default ${DEFAULT-VALUE}).")
    String suite;

    @Option(names = "--out", defaultValue = "bench-results", description = "Results directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        UsageException.require(suite.equals("pipeline") || suite.equals("partitions") || suite.equals("sink"), "--suite",
                "must be pipeline, partitions or sink, got '" + suite + "'");
        if (suite.equals("sink")) {
            Path dir = out.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-sink-faults");
            String table = new io.kpipe.faults.SinkFaultSuite(dir, spec.commandLine().getOut()).run();
            spec.commandLine().getOut().println();
            spec.commandLine().getOut().print(table);
            spec.commandLine().getOut().println("results: " + dir.resolve("table.md"));
            return Main.OK;
        }
        UsageException.require(duration.toSeconds() >= 60, "--duration", "must be at least 60s, got " + duration.toSeconds() + "s");
        Path dir = out.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-faults");
        var o = spec.commandLine().getOut();
        String table = new FaultSuite(rate, duration, dir, o).partitionsOnly(suite.equals("partitions")).run();
        o.println();
        o.print(table);
        o.println("results: " + dir.resolve("results.json"));
        return Main.OK;
    }
}
