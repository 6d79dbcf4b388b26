package io.kpipe.cli;

import io.kpipe.chaos.ChaosSpec;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.RunConfig;
import io.kpipe.config.TopicSettings;
import io.kpipe.run.DeadPartException;
import io.kpipe.run.PipelineRun;
import io.kpipe.run.RunSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the whole pipeline: local Kafka cluster, generator, processor; then reconcile.",
                "Exit code 0 only when no point was lost or duplicated.",
                "HTTP (--http-port): dashboard /, /api/stats, /metrics, POST /ingest, and /api/sensors/{id} of the",
                "processor inside kpipe run (with --processors N the children answer queries on free ports of their own)."})
final class RunCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--brokers", defaultValue = "1", description = "Local brokers to start (default ${DEFAULT-VALUE}; 3 for replication 3).")
    int brokers;

    @Option(names = "--duration", defaultValue = "60s", converter = Converters.DurationConverter.class,
            description = "How long the generator sends (default ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--rate", defaultValue = "333333", converter = Converters.RateConverter.class,
            description = "Points per second, e.g. 333333, 500k, 1M, or max for as fast as the machine goes (default ${DEFAULT-VALUE}: 1.2 billion an hour).")
    long rate;

    @Option(names = "--sensors", defaultValue = "10000", description = "Distinct sensor ids (default ${DEFAULT-VALUE}).")
    int sensors;

    @Option(names = "--partitions", defaultValue = "12", description = "Partitions of every topic (default ${DEFAULT-VALUE}).")
    int partitions;

    @Mixin
    ProcessingOptions processing;

    @Mixin
    EngineOption engine;

    @Option(names = "--processors", defaultValue = "0",
            description = "Run N processors as child processes (kpipe process) sharing the work; "
                    + "0 runs one inside kpipe run (default ${DEFAULT-VALUE}).")
    int processors;

    @Option(names = "--standbys", defaultValue = "0",
            description = "Standby replicas of each task's state, for fast fail-over (default ${DEFAULT-VALUE}).")
    int standbys;

    @Option(names = "--chaos", paramLabel = "SPEC",
            description = {"Faults to inject, a comma list of kill-broker[:ID]@T, restart-broker[:ID]@T, "
                    + "kill-processor[:ID]@T, restart-processor[:ID]@T, pause-broker[:ID]@T+D; "
                    + "T from the start, D how long; kills are SIGKILL, a pause is SIGSTOP for D.",
                    "With --hosts also partition-broker[:ID]@T+D, partition-processor[:ID]@T+D (the host's link cut for D) "
                    + "and split-brokers[:ID]@T+D (one broker, and processor 1, cut off from the rest for D).",
                    "Example: kill-broker:2@20s,restart-broker:2@35s"})
    String chaos;

    @Option(names = "--hosts",
            description = "Every broker and processor on a host of its own: Linux network namespaces on a private "
                    + "bridge, each with its own address (needs Linux, root, iproute2 and bash; docs/hosts.md).")
    boolean hosts;

    @Option(names = "--invalid-ratio", defaultValue = "0.0001",
            description = "Share of malformed points, sent to the dead-letter topic (default ${DEFAULT-VALUE}).")
    double invalidRatio;

    @Option(names = "--late-ratio", defaultValue = "0", description = "Share of points an hour late (default ${DEFAULT-VALUE}).")
    double lateRatio;

    @Mixin
    TopicPrefixOption topicPrefix;

    @Mixin
    RetentionOption retention;

    @Option(names = "--drain-timeout", defaultValue = "120s", converter = Converters.DurationConverter.class,
            description = "How long to wait for the processor to catch up after the generator stops (default ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Option(names = "--warmup", defaultValue = "0s", converter = Converters.DurationConverter.class,
            description = "Leave this first part of the run out of the latency percentiles (default ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--data-dir", description = "Where the local brokers keep their data (default: a temporary directory).")
    Path dataDir;

    @Option(names = "--keep-data", description = "Keep the local brokers' temporary data directory.")
    boolean keepData;

    @Mixin
    SecurityOption security;

    @Option(names = "--summary-json", paramLabel = "FILE", description = "Also write the summary as JSON to FILE.")
    Path summaryJson;

    @Option(names = "--no-sink", description = "Do not write the results to PostgreSQL.")
    boolean noSink;

    @Option(names = "--jdbc-url", description = "Write the results to this PostgreSQL database instead of an embedded one.")
    String jdbcUrl;

    @Option(names = "--db-user", description = "User for --jdbc-url.")
    String dbUser;

    @Option(names = "--db-password-file", paramLabel = "FILE", description = "A file whose first line is the password for --jdbc-url.")
    Path dbPasswordFile;

    @Option(names = "--zscore", defaultValue = "0",
            description = "Also alert on points this many standard deviations from their window's mean so far (0: off).")
    double zscore;

    @Mixin
    HttpOption http;

    @Option(names = "--ingest-token-file", paramLabel = "FILE",
            description = "POST /ingest requires 'Authorization: Bearer <the file's first line>'.")
    Path ingestTokenFile;

    @Option(names = "--keep-running", description = "After the summary, keep the cluster, database and processor up until Ctrl-C.")
    boolean keepRunning;

    @Override
    public Integer call() throws Exception {
        io.kpipe.config.UsageException.require(engine.engine != io.kpipe.config.Engine.SPARK
                || !spec.commandLine().getParseResult().hasMatchedOption("--guarantee"), "--guarantee",
                "has no meaning with --engine spark: its Kafka sink is at-least-once, its output idempotent by key (docs/spark.md)");
        RunConfig config = RunConfig.builder()
                .cluster(new ClusterConfig(brokers, 0, dataDir, keepData, security.mode))
                .bootstrapServers(connection.bootstrapServers == null ? null : connection.connection().bootstrapServers())
                .clientConfig(connection.clientConfig())
                .topics(new TopicSettings(topicPrefix.prefix, partitions, 0, retention.retention))
                .guarantee(processing.guarantee)
                .threads(processing.threads)
                .duration(duration)
                .rate(rate)
                .sensors(sensors)
                .invalidRatio(invalidRatio)
                .lateRatio(lateRatio)
                .drainTimeout(drainTimeout)
                .warmup(warmup)
                .summaryJson(summaryJson)
                .processors(processors)
                .standbys(standbys)
                .chaos(ChaosSpec.parse(chaos))
                .sink(sink())
                .zscore(zscore)
                .emit(processing.emit)
                .engine(engine.engine)
                .httpPort(http.port())
                .httpEndpoint(http.endpoint())
                .ingestToken(SecretFile.read(ingestTokenFile, "--ingest-token-file"))
                .hosts(hosts)
                .build();
        var out = spec.commandLine().getOut();
        RunSummary summary;
        try {
            summary = run(config, out);
        } catch (DeadPartException e) {
            // Everything the run started is stopped by now; the one line says which part died and why.
            spec.commandLine().getErr().println(spec.qualifiedName() + ": " + io.kpipe.config.Secrets.maskText(e.getMessage()));
            return Main.FAILED;
        }
        return summary.ok() ? Main.OK : Main.FAILED;
    }

    private RunSummary run(RunConfig config, java.io.PrintWriter out) throws InterruptedException {
        return new PipelineRun(config, out).terminal(System.console() != null).execute(s -> {
            out.println(s.describe());
            if (summaryJson != null) {
                s.writeJson(summaryJson);
            }
            if (keepRunning) {
                out.println("everything is still running (--keep-running); Ctrl-C to stop");
                out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }).summary();
    }

    private RunConfig.Sink sink() {
        if (noSink) {
            return RunConfig.Sink.OFF;
        }
        if (jdbcUrl == null) {
            return RunConfig.Sink.EMBEDDED;
        }
        io.kpipe.config.Secrets.requireNoPasswordInUrl(jdbcUrl, "--jdbc-url", "--db-password-file");
        return new RunConfig.Sink(true, jdbcUrl, dbUser, SecretFile.read(dbPasswordFile, "--db-password-file"));
    }
}
