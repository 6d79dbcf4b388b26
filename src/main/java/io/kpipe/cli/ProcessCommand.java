package io.kpipe.cli;

import io.kpipe.config.ProcessorConfig;
import io.kpipe.config.ProcessorConfigFile;
import io.kpipe.config.UsageException;
import io.kpipe.http.AdvertisedHost;
import io.kpipe.engine.SparkProcessor;
import io.kpipe.http.HttpService;
import io.kpipe.metrics.Metrics;
import io.kpipe.http.QueryApi;
import io.kpipe.process.PointProcessor;
import io.kpipe.process.ProcessingStats;
import io.kpipe.topics.Connectivity;
import io.kpipe.lifecycle.JvmStats;
import io.kpipe.lifecycle.Resources;
import io.kpipe.topics.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclOperation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "process", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the stream processor until Ctrl-C: decode, dead-letter, windowed aggregates.",
                "Instances with the same --application-id share the work.",
                "HTTP (--http-port): /api/sensors/{id}[/windows], answered by any instance, and /metrics."})
final class ProcessCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    ProcessingOptions processing;

    @Mixin
    EngineOption engine;

    @Option(names = "--application-id",
            description = "Kafka Streams application id (default: <topic-prefix>kpipe-processor).")
    String applicationId;

    @Option(names = "--window", defaultValue = "1m", converter = Converters.DurationConverter.class,
            description = "Tumbling window size (default ${DEFAULT-VALUE}).")
    Duration window;

    @Option(names = "--grace", defaultValue = "10s", converter = Converters.DurationConverter.class,
            description = "How long a window accepts out-of-order points after it ends (default ${DEFAULT-VALUE}).")
    Duration grace;

    @Option(names = "--max-future", defaultValue = "1m", converter = Converters.DurationConverter.class,
            description = "Clock skew allowed to a device: a point further ahead of its record timestamp or of this "
                    + "processor's clock goes to the dead-letter topic as 'future' (default ${DEFAULT-VALUE}).")
    Duration maxFuture;

    @Option(names = "--commit-interval", defaultValue = "1s", converter = Converters.DurationConverter.class,
            description = "Commit interval; also how often aggregates are emitted (default ${DEFAULT-VALUE}).")
    Duration commitInterval;

    @Option(names = "--state-dir", description = "Kafka Streams state directory (default: <tmp>/kpipe-streams).")
    Path stateDir;

    @Option(names = "--standbys", defaultValue = "0",
            description = "Standby replicas of each task's state on other instances, for fast fail-over (default ${DEFAULT-VALUE}).")
    int standbys;

    @Option(names = "--zscore", defaultValue = "0",
            description = "Also alert on a point more than this many standard deviations from its sensor's mean "
                    + "in the window so far (0: off; default ${DEFAULT-VALUE}).")
    double zscore;

    @Mixin
    TopicPrefixOption topicPrefix;

    @Mixin
    HttpOption http;

    @Option(names = "--advertised-host", paramLabel = "HOST",
            description = "Host name or address the other instances reach this one's HTTP at, to forward queries "
                    + "for the sensors it owns (Kafka Streams' application.server; the port is --http-port's). "
                    + "Default: the --http-bind address; for 0.0.0.0 this machine's address (its first interface "
                    + "that is up and not loopback).")
    String advertisedHost;

    /** Run as a child of {@code kpipe run}: stats lines on stdout, and exit when stdin closes. */
    @Option(names = "--child", hidden = true)
    boolean child;

    /** How {@code kpipe run --processors N} hands a child its whole configuration ({@link ProcessorConfigFile}). */
    @Option(names = "--config-file", hidden = true, paramLabel = "FILE")
    Path configFile;

    /** What may be given beside {@code --config-file}: the file holds every other setting. */
    private static final Set<String> BESIDE_CONFIG_FILE = Set.of("--config-file", "--child", "--http-port",
            "--http-bind", "--http-tls", "--http-tls-password-file", "--advertised-host");

    /** The options of {@code process} that mean the same to the Spark processor (docs/spark.md). */
    private static final Set<String> SPARK_OPTIONS = Set.of("--engine", "--bootstrap-servers", "--kafka-config", "-X",
            "--topic-prefix", "--application-id", "--threads", "--window", "--grace", "--max-future",
            "--commit-interval", "--state-dir", "--emit");

    @Override
    public Integer call() throws InterruptedException {
        if (engine.engine == io.kpipe.config.Engine.SPARK) {
            return runSpark();
        }
        http.port();   // checked before anything is connected to
        String advertised = advertised();
        ProcessorConfig config = configFile != null ? fromFile() : fromFlags();
        ProcessingStats stats = new ProcessingStats();
        Resources resources = new Resources();
        Metrics metrics = resources.add(new Metrics());
        HttpService http = this.http.start(resources, metrics);
        QueryApi api = null;
        if (http != null) {
            api = QueryApi.on(http);
            config = config.toBuilder().applicationServer(AdvertisedHost.address(advertised, http.port())).build();
        }
        PointProcessor processor = resources.add(PointProcessor.create(config, stats));
        if (api != null) {
            api.attach(processor);   // before start: queries get 503 while it joins its group, not a 404
        }
        processor.start();
        if (api != null) {
            spec.commandLine().getErr().println("HTTP: " + http.url() + " (/api/sensors/{id}, /metrics); advertised "
                    + "to the other instances as " + config.applicationServer() + " (--advertised-host)");
            if (loopbackBeyondLoopback(advertised)) {
                spec.commandLine().getErr().println("kpipe process: warning: --advertised-host " + advertised + " is a "
                        + "loopback address, while the server listens beyond loopback: instances on other machines "
                        + "forward queries for this one's sensors to themselves (fine only if all run on this machine)");
            }
        }
        metrics.bind(processor.streams()).processing(stats);
        spec.commandLine().getErr().println("processing " + Topics.withPrefix(config.topicPrefix()).points().name()
                + " as " + config.applicationId() + " (" + config.guarantee().kafkaName() + ", " + config.threads()
                + " thread(s), emit " + config.emit().flagName() + "); Ctrl-C to stop");
        if (child) {
            return reportToParent(processor, stats, resources);
        }
        long last = 0;
        for (long second = 1; ; second++) {
            Thread.sleep(1_000);
            stats.takeInterval();   // the latency histogram of /metrics grows by a second's worth
            if (second % 10 != 0) {
                continue;
            }
            if (processor.stopReason() != null) {
                spec.commandLine().getErr().println("kpipe process: the processor stopped: " + processor.stopReason());
                resources.close();
                return Main.FAILED;
            }
            long now = stats.processed();
            spec.commandLine().getOut().printf(Locale.ROOT, "processed %,d (%,.0f/s), dead letters %,d, late %,d%n",
                    now, (now - last) / 10.0, stats.invalid(), stats.late());
            last = now;
        }
    }

    /**
     * {@code --engine spark}: the job on Spark in a child JVM ({@link SparkProcessor}), in
     * {@code <state-dir>/<application-id>}, until Ctrl-C or until it dies.
     */
    private int runSpark() throws InterruptedException {
        engine.requireOnlyForSpark(spec, SPARK_OPTIONS);
        UsageException.require(processing.emit == ProcessorConfig.Emit.UPDATES, "--emit",
                "final is not available with --engine spark: the Spark processor emits updates (docs/spark.md)");
        ProcessorConfig config = fromFlags();
        ProcessingStats stats = new ProcessingStats();
        PrintWriter err = spec.commandLine().getErr();
        SparkProcessor spark = SparkProcessor.start(config, config.stateDir().resolve(config.applicationId()), stats, err);
        Runtime.getRuntime().addShutdownHook(new Thread(spark::close, "kpipe-spark-stop"));
        err.println("processing " + Topics.withPrefix(config.topicPrefix()).points().name() + " as "
                + config.applicationId() + " on Spark (local[" + config.threads() + "], trigger "
                + config.commitInterval().toMillis() + " ms); its directory " + spark.directory() + "; Ctrl-C to stop");
        err.flush();
        long last = 0;
        for (long second = 1; ; second++) {
            Thread.sleep(1_000);
            stats.takeInterval();
            if (spark.death() != null) {
                err.println("kpipe process: " + spark.death());
                return Main.FAILED;
            }
            if (second % 10 == 0) {
                long now = stats.processed();
                spec.commandLine().getOut().printf(Locale.ROOT, "processed %,d (%,.0f/s), dead letters %,d, late %,d%n",
                        now, (now - last) / 10.0, stats.invalid(), stats.late());
                spec.commandLine().getOut().flush();
                last = now;
            }
        }
    }

    /** A loopback host advertised by a server that listens on every interface (queries from elsewhere loop). */
    private boolean loopbackBeyondLoopback(String advertised) {
        if (advertisedHost == null || http.endpoint().loopback()) {
            return false;
        }
        try {
            return java.net.InetAddress.getByName(advertised.replaceAll("^\\[|]$", "")).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;   // refused earlier if it mattered (AdvertisedHost)
        }
    }

    /** The host to advertise, checked (null without an HTTP server, where it may not be given). */
    private String advertised() {
        var endpoint = http.endpoint();
        if (http.port() == HttpOption.NONE) {
            UsageException.require(advertisedHost == null, "--advertised-host",
                    "only with an HTTP server to advertise: --http-port -1 serves none");
            return null;
        }
        return AdvertisedHost.of(advertisedHost, endpoint);
    }

    /** The config the flags describe, once the cluster has been reached and holds the points topic. */
    private ProcessorConfig fromFlags() {
        ProcessorConfig.requireMeaningful(engine.engine, processing.emit, zscore);   // before any broker is asked
        var kafka = connection.connection();
        int brokers;
        try (Admin admin = Connectivity.admin(kafka)) {
            brokers = Connectivity.brokerCount(admin, kafka);
            Connectivity.requireTopics(admin, kafka, needs(topicPrefix.prefix));
        }
        Path state = stateDir != null ? stateDir : Path.of(System.getProperty("java.io.tmpdir"), "kpipe-streams");
        return ProcessorConfig.builder(kafka, topicPrefix.prefix, state, Math.min(3, brokers))
                .applicationId(applicationId != null ? applicationId : ProcessorConfig.defaultApplicationId(topicPrefix.prefix))
                .guarantee(processing.guarantee)
                .threads(processing.threads)
                .windowSize(window)
                .grace(grace)
                .maxFuture(maxFuture)
                .commitInterval(commitInterval)
                .standbys(standbys)
                .zscore(zscore)
                .emit(processing.emit)
                .engine(engine.engine)
                .build();
    }

    /** The config in {@code --config-file}, once the cluster it names has been reached and holds the points topic. */
    private ProcessorConfig fromFile() {
        for (var option : spec.commandLine().getParseResult().matchedOptions()) {
            UsageException.require(BESIDE_CONFIG_FILE.contains(option.longestName()), option.longestName(),
                    "cannot be given with --config-file, which holds the whole processor configuration");
        }
        ProcessorConfig config = ProcessorConfigFile.read(configFile);
        try (Admin admin = Connectivity.admin(config.kafka())) {
            Connectivity.brokerCount(admin, config.kafka());
            Connectivity.requireTopics(admin, config.kafka(), needs(config.topicPrefix()));
        }
        return config;
    }

    /** What the processor does on the pipeline's topics: the ACLs its principal needs on them (docs/security.md). */
    private static java.util.Map<String, AclOperation> needs(String prefix) {
        Topics t = Topics.withPrefix(prefix);
        java.util.Map<String, AclOperation> needs = new java.util.LinkedHashMap<>();
        needs.put(t.points().name(), AclOperation.READ);
        needs.put(t.devices().name(), AclOperation.READ);
        needs.put(t.aggregates().name(), AclOperation.WRITE);
        needs.put(t.alerts().name(), AclOperation.WRITE);
        needs.put(t.deadLetters().name(), AclOperation.WRITE);
        return needs;
    }

    /** Child mode: a stats line a second for the parent, until the processor fails or the parent is gone. */
    private int reportToParent(PointProcessor processor, ProcessingStats stats, Resources resources)
            throws InterruptedException {
        Thread lifeline = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // The parent writes nothing; end of input means it is gone.
                }
            } catch (java.io.IOException e) {
                // Same: the pipe is broken.
            }
            // The run this processor belonged to is over; its state is safe in Kafka (as after a crash).
            Runtime.getRuntime().halt(Main.FAILED);
        }, "kpipe-lifeline");
        lifeline.setDaemon(true);
        lifeline.start();
        // Heap after GC, live heap and GC pauses for the parent's resource sampler (kpipe bench --scenario soak),
        // in the child's directory: beside its config file, or (started with the deployment guide's line) its
        // state; the same thread runs a full collection when the sampler asks for one there.
        Path beside = configFile != null ? configFile : stateDir;
        if (beside != null) {
            JvmStats.writeEvery(beside.toAbsolutePath().resolveSibling(JvmStats.FILE), JvmStats.CHILD_PERIOD);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (processor.awaitRunning(Duration.ofSeconds(120))) {
            out.println(io.kpipe.process.ChildReports.RUNNING);
            out.flush();
        }
        while (processor.stopReason() == null) {
            out.println(io.kpipe.process.ChildReports.statsLine(stats));
            out.flush();
            Thread.sleep(1000);
        }
        // kpipe run reads this line to say why its processor exited.
        spec.commandLine().getErr().println("kpipe process: the processor stopped: " + processor.stopReason());
        resources.close();
        return Main.FAILED;
    }
}
