package io.kpipe.run;

import io.kpipe.chaos.ChaosRunner;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.Durations;
import io.kpipe.config.Engine;
import io.kpipe.engine.SparkProcessor;
import io.kpipe.devices.DeviceFile;
import io.kpipe.devices.DeviceRegistry;
import io.kpipe.config.GeneratorConfig;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.config.RoleConnections;
import io.kpipe.config.RunConfig;
import io.kpipe.config.UsageException;
import io.kpipe.generate.Generator;
import io.kpipe.http.Dashboard;
import io.kpipe.http.AdvertisedHost;
import io.kpipe.http.HttpService;
import io.kpipe.http.IngestApi;
import io.kpipe.lifecycle.Resources;
import io.kpipe.lifecycle.TempDir;
import io.kpipe.metrics.Metrics;
import io.kpipe.http.QueryApi;
import io.kpipe.hosts.VirtualHosts;
import io.kpipe.generate.GeneratorResult;
import io.kpipe.process.PointProcessor;
import io.kpipe.process.PointTopology;
import io.kpipe.process.ProcessingStats;
import io.kpipe.sink.EmbeddedDatabase;
import io.kpipe.sink.PostgresSink;
import io.kpipe.sink.PostgresWriter;
import io.kpipe.topics.Connectivity;
import io.kpipe.topics.PipelineAcls;
import io.kpipe.topics.TopicAdmin;
import io.kpipe.topics.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;

/**
 * {@code kpipe run}: the whole pipeline in one process tree, then the proof that nothing was lost.
 *
 * <pre>
 * 1. cluster     start N local brokers (or use --bootstrap-servers)
 * 2. topics      create them; refuse a non-empty points topic (the books must start at zero)
 * 3. processor   start Kafka Streams, wait until it has its partitions
 * 4. generator   send points for --duration, with a progress line each second
 * 5. drain       wait until the processor has committed the end of points
 * 6. reconcile   read the final windows and the dead letters (read_committed) and balance the books
 * </pre>
 *
 * Every wait of steps 3 to 5 also watches the parts that can die on their own ({@link Vitals}):
 * the processor (in-process: Kafka Streams in ERROR or NOT_RUNNING; or a child JVM that exited
 * although chaos did not kill it), the sink's loop and the generator. When one is dead the run
 * throws a {@link DeadPartException} naming it and why, in one line, and everything it started
 * is stopped on the way out. A sink whose database is down is slow, not dead: it retries, and
 * the run waits for it at most {@code --drain-timeout} after the generator finished; then it
 * says so in a line, the summary says NOT DRAINED and the run fails (exit 1).
 */
public final class PipelineRun {
    private static final Duration PROCESSOR_START_TIMEOUT = Duration.ofSeconds(120);
    /** How often a wait looks at the parts of the run: a dead part ends the run within this. */
    private static final long CHECK_EVERY_MS = 250;
    /** Time to reconcile after the drain, and for a person to look at the outputs. */
    static final Duration RECONCILE_MARGIN = Duration.ofMinutes(10);

    private final RunConfig config;
    private final PrintWriter out;
    private final Topics topics;
    private boolean terminal;
    private ResourceSampler sampler;
    private LocalCluster given;

    /** The summary, the run's per-second timeline, and its latencies minute by minute. */
    public record Result(RunSummary summary, List<Sample> timeline, List<MinuteLatency> minutes) {}

    public PipelineRun(RunConfig config, PrintWriter out) {
        this.config = config;
        this.out = out;
        this.topics = Topics.withPrefix(config.topics().prefix());
    }

    /** Progress as one line redrawn in place with a bar (stdout is a terminal), not a line a second. */
    public PipelineRun terminal(boolean terminal) {
        this.terminal = terminal;
        return this;
    }

    /**
     * Samples what the run's JVMs and brokers use ({@link ResourceSampler}) from the start of sending
     * to the end of the drain; the run adds its child processors to it. Its series are the caller's to read.
     */
    public PipelineRun sampler(ResourceSampler sampler) {
        this.sampler = sampler;
        return this;
    }

    /**
     * Runs on {@code cluster}, which the caller started and stops (kpipe bench: one cluster for
     * several runs), instead of starting one or using {@code --bootstrap-servers}: on a secured
     * cluster this run's pipeline is granted its ACLs and each part logs in as its own principal.
     */
    public PipelineRun onCluster(LocalCluster cluster) {
        this.given = cluster;
        return this;
    }

    public Result execute() throws InterruptedException {
        return execute(summary -> { });
    }

    /**
     * Runs, and hands the summary to {@code beforeStop} while everything is still up (for
     * {@code --keep-running}: it may block until Ctrl-C).
     */
    public Result execute(java.util.function.Consumer<RunSummary> beforeStop) throws InterruptedException {
        // The Spark processor is one child JVM that chaos can kill and restart, as processor 1.
        ChaosRunner.validate(config.chaos(), config.localCluster() ? config.cluster().brokers() : 0,
                config.engine() == Engine.SPARK ? 1 : config.processors(), config.duration(), config.hosts());
        if (config.hosts()) {
            VirtualHosts.requireSupported("--hosts");
        }
        try (Resources resources = new Resources()) {
            // First in, last out: every process on a host has ended before the network goes.
            VirtualHosts hosts = config.hosts() ? RunHosts.network(resources, out) : null;
            Path work = resources.add(new TempDir("kpipe-run-")).path();
            HttpService http = config.httpPort() >= 0 ? resources.add(HttpService.start(config.httpEndpoint(), config.httpPort())) : null;
            LocalCluster cluster = given != null ? grant(given) : config.localCluster() ? cluster(resources, hosts) : null;
            // Each part as its own principal on a secured cluster (docs/security.md), else one connection for all.
            RoleConnections roles = cluster != null ? cluster.connections(config.clientConfig())
                    : RoleConnections.all(new KafkaConnection(config.bootstrapServers(), config.clientConfig()));
            // The admin's: topics, the device registry, lag, drain, chaos and the books.
            KafkaConnection kafka = roles.admin();
            Created created = createTopics(kafka);
            Metrics metrics = resources.add(new Metrics());
            LiveStats live = new LiveStats(cluster == null ? Map::of : cluster::brokerStates);
            IngestTally ingestTally = new IngestTally(GeneratorConfig.TALLY_WINDOW.toMillis());
            IngestApi ingest = null;
            if (http != null) {
                metrics.serveOn(http);
                Dashboard.on(http, live::snapshot);
                ingest = resources.add(IngestApi.on(http, roles.source(), topics.points().name(), config.ingestToken(),
                        IngestApi.Limits.DEFAULT, ingestTally));
                metrics.bind(ingest.producer());
                // Queries are served here only by the processor inside kpipe run: print only what answers.
                out.printf("HTTP: %s (dashboard), %s/metrics, POST %s/ingest%s%n", http.url(), http.url(), http.url(),
                        config.processors() == 0 && config.engine() != Engine.SPARK
                                ? ", " + http.url() + "/api/sensors/{id}" : "");
            }
            int devices = DeviceRegistry.write(kafka, config.topics().prefix(),
                    DeviceFile.seed(config.sensors(), Generator::sensorName));
            out.printf("device registry: %,d sensors written to %s%n", devices, topics.devices().name());
            Vitals vitals = new Vitals();
            SinkRun sink = config.sink().enabled() ? startSink(resources, roles.sink(), work, vitals) : null;
            ProcessingStats stats = new ProcessingStats();
            register(metrics, stats, ingest, sink);
            ProcessorConfig pc = ProcessorConfig.builder(roles.processor(), config.topics().prefix(), work.resolve("streams"),
                            created.replication())
                    .guarantee(config.guarantee())
                    .threads(config.threads())
                    .standbys(config.standbys())
                    .zscore(config.zscore())
                    .emit(config.emit())
                    .engine(config.engine())
                    .build();
            ProcessorGroup group = null;
            SparkProcessor spark = null;
            if (config.engine() == Engine.SPARK) {
                spark = startSpark(resources, pc, work, stats, vitals);
            } else if (config.processors() > 0) {
                out.printf("starting %d processor process(es)...%n", config.processors());
                ProcessorGroup.OnHosts onHosts = hosts == null ? null
                        : RunHosts.processors(hosts, config.processors(), work, out);
                group = resources.add(ProcessorGroup.start(config.processors(), pc, work, stats,
                        PROCESSOR_START_TIMEOUT, onHosts));
                vitals.watch(group::deadProcessor);
                watchProcessors(group, work);
            } else {
                QueryApi api = null;
                if (http != null) {
                    api = QueryApi.on(http);
                    // Advertised as --http-bind says (0.0.0.0: this machine's address), never a wildcard.
                    pc = pc.toBuilder().applicationServer(AdvertisedHost.address(
                            AdvertisedHost.of(null, config.httpEndpoint()), http.port())).build();
                }
                PointProcessor processor = startProcessor(resources, pc, stats, vitals);
                metrics.bind(processor.streams());
                if (api != null) {
                    api.attach(processor);
                }
            }
            if (config.engine() == Engine.STREAMS) {
                warnIfChanged(kafka, TopicAdmin.changelogSpec(PointTopology.changelogTopic(pc.applicationId()),
                        config.topics().partitions(), created.replication()));
            }
            Generator generator = resources.add(new Generator(new GeneratorConfig(roles.source(), config.topics().prefix(),
                    config.rate(), config.sensors(), 0, config.duration(), config.invalidRatio(), config.lateRatio(),
                    System.nanoTime())));
            metrics.bind(generator.producer())
                    .counter("kpipe.points.generated", "Points the generator sent and Kafka acknowledged", generator,
                            Generator::acked);
            LagProbe lag = resources.add(new LagProbe(resources.add(Connectivity.admin(kafka)), pc.applicationId(),
                    topics.points().name(), config.topics().partitions()));
            for (int p = 0; p < config.topics().partitions(); p++) {
                int partition = p;
                metrics.gauge("kpipe.consumer.lag.points", "Points on points not yet committed by the processor group",
                        lag, l -> l.lag(partition), "partition", Integer.toString(p));
            }
            ChaosRunner chaos = resources.add(new ChaosRunner(config.chaos(),
                    new RunTargets(kafka, topics.points().name(), pc.applicationId(), cluster, group, hosts, spark), out));
            out.printf("running for %s: %s points/s, %,d sensors, %s%s%n", Durations.format(config.duration()),
                    config.rate() == 0 ? "max" : String.format("%,d", config.rate()), config.sensors(),
                    config.engine() == Engine.SPARK ? "on Spark" : config.guarantee().kafkaName(), config.emit() == ProcessorConfig.Emit.FINAL
                            ? ", each window emitted once when it closes (--emit final)" : "");
            Result result = generateAndDrain(kafka, generator, stats, pc.applicationId(), created.brokers(), chaos, sink,
                    ingest, ingestTally, live, vitals);
            beforeStop.accept(result.summary());
            return result;
        }
    }

    /** The child processors for the sampler: each in {@code processor-N} of the work directory, as {@link ProcessorGroup} lays it out. */
    private void watchProcessors(ProcessorGroup group, Path work) {
        if (sampler == null) {
            return;
        }
        for (int id = 1; id <= group.size(); id++) {
            int n = id;
            sampler.watch(new ResourceSampler.Jvm("processor-" + n, () -> group.pid(n),
                    work.resolve("processor-" + n).resolve(io.kpipe.lifecycle.JvmStats.FILE)));
        }
    }

    /** The sink's database, the sink itself on a thread of its own, and its consumer group. */
    private record SinkRun(String jdbcUrl, String user, String password, PostgresSink sink, String group) {}

    private SinkRun startSink(Resources resources, KafkaConnection kafka, Path work, Vitals vitals) {
        RunConfig.Sink s = config.sink();
        String url = s.jdbcUrl();
        String user = s.user();
        String password = s.password();
        if (url == null) {
            EmbeddedDatabase db = resources.add(EmbeddedDatabase.start(work.resolve("postgres")));
            url = db.jdbcUrl();
            user = EmbeddedDatabase.USER;
            password = db.password();
            out.printf("postgres: %s (user %s, password in %s); psql: %s%n", url, user, db.passwordFile(), db.psql());
        }
        PostgresSink.checkAndPrepare(url, user, password, "--db-user/--db-password-file");
        String group = PostgresSink.Config.defaultGroup(config.topics().prefix());
        PostgresSink sink = new PostgresSink(new PostgresSink.Config(kafka, config.topics().prefix(), url, user,
                password, group, PostgresWriter.Mode.COPY));
        vitals.watch(resources.add(SinkThread.start(sink)));
        return new SinkRun(url, user, password, sink, group);
    }

    /** The run's own series: counts read from the same counters as the progress line and the summary. */
    private static void register(Metrics m, ProcessingStats stats, IngestApi ingest, SinkRun sink) {
        m.processing(stats);
        if (ingest != null) {
            m.ingest(ingest);
        }
        if (sink != null) {
            m.postgresSink(sink.sink());
        }
    }

    /** Starts the local cluster; a secured one with the ACLs of this run's pipeline. */
    private LocalCluster cluster(Resources resources, VirtualHosts hosts) throws InterruptedException {
        out.printf("starting a local Kafka cluster of %d broker(s)%s%s...%n", config.cluster().brokers(),
                config.cluster().secured() ? " (SASL_SSL)" : "", hosts == null ? "" : ", each on a host of its own");
        LocalCluster cluster = grant(resources.add(LocalCluster.start(config.cluster(), hosts)));
        out.println("bootstrap.servers=" + cluster.bootstrapServers());
        if (cluster.security() != null) {
            cluster.security().describe(cluster.bootstrapServers()).forEach(out::println);
        }
        return cluster;
    }

    /** Grants this run's pipeline its ACLs on a secured cluster (nothing on a plaintext one). */
    private LocalCluster grant(LocalCluster cluster) throws InterruptedException {
        String prefix = config.topics().prefix();
        cluster.grant(PipelineAcls.of(prefix, ProcessorConfig.defaultApplicationId(prefix),
                List.of(PostgresSink.Config.defaultGroup(prefix))));
        return cluster;
    }

    /**
     * Kafka Streams creates the changelog, or keeps one that exists (an earlier processor with this
     * application id) whatever its settings: like the other topics, one that differs is reported.
     */
    private void warnIfChanged(KafkaConnection kafka, TopicAdmin.Spec changelog) {
        try (Admin admin = Connectivity.admin(kafka)) {
            TopicAdmin.Outcome o = new TopicAdmin(admin).check(changelog);
            if (o.status() == TopicAdmin.Outcome.Status.MISMATCH) {
                out.println("warning: " + o);
            }
        } catch (IllegalStateException e) {
            // Not there (yet): nothing to compare; the run itself does not depend on this check.
            out.println("warning: cannot check the settings of " + changelog.name() + ": " + e.getMessage());
        }
    }

    /** What topic creation found: the cluster's size and the replication factor it chose. */
    private record Created(int brokers, int replication) {}

    private Created createTopics(KafkaConnection kafka) {
        try (Admin admin = Connectivity.admin(kafka)) {
            int brokers = Connectivity.brokerCount(admin, kafka);
            Duration keepOutputs = outputsRetention(config);
            List<TopicAdmin.Spec> specs = TopicAdmin.specs(topics, config.topics(), brokers, keepOutputs);
            TopicAdmin topicAdmin = new TopicAdmin(admin);
            for (TopicAdmin.Outcome o : topicAdmin.ensure(specs)) {
                if (o.status() == TopicAdmin.Outcome.Status.MISMATCH) {
                    out.println("warning: " + o);
                }
            }
            topicAdmin.requireRetention(List.of(topics.aggregates().name(), topics.alerts().name(),
                    topics.deadLetters().name()), keepOutputs,
                    "this run needs to reconcile from its start (--duration + --drain-timeout + 10m)");
            out.printf("retention: %s keeps %s; %s, %s and %s keep %s (at least the run and 10m more: the reconciliation reads them from their start)%n",
                    topics.points().name(), Durations.format(config.topics().retention()), topics.aggregates().name(),
                    topics.alerts().name(), topics.deadLetters().name(),
                    Durations.format(max(config.topics().retention(), keepOutputs)));
            requireEmpty(admin, topics.points().name());
            return new Created(brokers, specs.get(0).replication());
        }
    }

    private static PointProcessor startProcessor(Resources resources, ProcessorConfig pc, ProcessingStats stats,
                                                 Vitals vitals) throws InterruptedException {
        PointProcessor processor = resources.add(PointProcessor.start(pc, stats));
        vitals.watch(Vitals.of(processor));
        long deadline = System.nanoTime() + PROCESSOR_START_TIMEOUT.toNanos();
        while (!processor.awaitRunning(Duration.ofMillis(CHECK_EVERY_MS))) {
            vitals.check();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("processor not running after " + PROCESSOR_START_TIMEOUT.toSeconds()
                        + "s (state " + processor.state() + ")");
            }
        }
        return processor;
    }

    /** The Spark processor (docs/spark.md): one child JVM, watched like kpipe's own child processors. */
    private SparkProcessor startSpark(Resources resources, ProcessorConfig pc, Path work, ProcessingStats stats,
                                      Vitals vitals) throws InterruptedException {
        out.println("starting the Spark processor (a child JVM; Spark starts in 10-30 s)...");
        out.flush();
        SparkProcessor spark = resources.add(SparkProcessor.start(pc, work.resolve("spark"), stats, out));
        vitals.watch(spark::death);
        long deadline = System.nanoTime() + PROCESSOR_START_TIMEOUT.toNanos();
        while (!spark.awaitRunning(Duration.ofMillis(CHECK_EVERY_MS))) {
            vitals.check();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the Spark processor not running after "
                        + PROCESSOR_START_TIMEOUT.toSeconds() + "s; see " + spark.directory().resolve("console.log"));
            }
        }
        return spark;
    }

    /** Runs the generator on a thread of its own, watching the other parts while it sends. */
    private static GeneratorResult generate(Generator generator, Vitals vitals) throws InterruptedException {
        FutureTask<GeneratorResult> task = new FutureTask<>(generator::run);
        Thread t = new Thread(task, "kpipe-generator");
        t.setDaemon(true);
        t.start();
        while (true) {
            try {
                return task.get(CHECK_EVERY_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                vitals.check();
            } catch (ExecutionException e) {
                throw new DeadPartException("the generator stopped: " + DeadPartException.rootCause(e.getCause()));
            }
        }
    }

    private Result generateAndDrain(KafkaConnection kafka, Generator generator, ProcessingStats stats, String group,
                                    int brokers, ChaosRunner chaos, SinkRun sink, IngestApi ingest,
                                    IngestTally ingestTally, LiveStats live, Vitals vitals) throws InterruptedException {
        long start = System.nanoTime();
        GeneratorResult sent;
        boolean drained;
        List<Sample> timeline;
        List<MinuteLatency> minutes;
        Histogram latency;
        RunSummary.Pace pace;
        Double drainedAtS;
        LongSupplier in = ingest == null ? generator::acked : () -> generator.acked() + ingest.accepted();
        try (ProgressLine progress = new ProgressLine(out, in, stats, config.duration(), config.warmup(), config.rate(), live,
                terminal).start();
             Admin admin = Connectivity.admin(kafka)) {
            live.phase("running");
            if (sampler != null) {
                sampler.start(start);
            }
            chaos.start(start);
            MachineCpu cpuBefore = MachineCpu.now();
            sent = generate(generator, vitals);
            double busy = MachineCpu.now().busySince(cpuBefore);
            while (!chaos.awaitDone(CHECK_EVERY_MS)) {
                vitals.check();
            }
            if (ingest != null) {
                // The books close now: points ingested later would not be in them.
                ingest.refuse("the run's generator has finished and kpipe run is closing its books; "
                        + "ingest is open while the generator runs");
            }
            live.phase("draining");
            drained = new Drain(admin, group, topics.points().name()).await(config.drainTimeout(), vitals);
            // The processor has caught up: the end of a fault's effect (the sink's catch-up is the sink's).
            drainedAtS = drained ? (System.nanoTime() - start) / 1e9 : null;
            if (sink != null) {
                // The sink has written everything once its group has committed the end of both topics.
                boolean written = new Drain(admin, sink.group(), topics.aggregates().name()).await(config.drainTimeout(), vitals)
                        && new Drain(admin, sink.group(), topics.alerts().name()).await(config.drainTimeout(), vitals);
                if (!written) {
                    // Slow, not dead (a database down is retried): say so, the summary then fails on the sink.
                    out.printf("sink: not caught up within --drain-timeout %s (%,d failed database writes retried)%n",
                            Durations.format(config.drainTimeout()), sink.sink().retries());
                }
                drained &= written;
            }
            timeline = progress.samples();
            minutes = progress.minutes();
            if (sampler != null) {
                sampler.stop();
            }
            live.phase("done");
            latency = config.warmup().isZero() ? stats.totalLatency() : progress.afterWarmup();
            long steadyFrom = progress.steadyFromS();
            pace = new RunSummary.Pace(steadyFrom < 0 ? null : steadyFrom,
                    steadyFrom < 0 ? null : latencyOf(progress.afterSteady()), Double.isNaN(busy) ? null : busy,
                    sent.notSent());
        }
        stats.takeInterval();   // the last points' latencies into the total that /metrics shows
        double seconds = (System.nanoTime() - start) / 1e9;
        Reconciler reconciler = new Reconciler(kafka, topics, sent.tally().windowMs());
        if (config.emit() == ProcessorConfig.Emit.FINAL) {
            // The last windows of every sensor have not closed: the books read them from the state.
            reconciler.withOpenWindowsOf(group, ProcessorConfig.DEFAULT_GRACE.toMillis());   // run has no --grace
        }
        Reconciler.Output output = reconciler.read();
        List<ChaosRunner.Done> events = Recovery.of(chaos.done(), timeline, drainedAtS);
        RunSummary.Sink sinkTotals = null;
        if (sink != null) {
            try {
                PostgresSink.TableTotals t = PostgresSink.totals(sink.jdbcUrl(), sink.user(), sink.password());
                PostgresSink.RejectTotals r = PostgresSink.rejects(sink.jdbcUrl(), sink.user(), sink.password(),
                        config.topics().prefix());
                sinkTotals = SinkBooks.of(t, r, sink.sink().rows(), output);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException("cannot read the sink's tables: " + e.getMessage(), e);
            }
        }
        return new Result(summary(sent, output, drained, seconds, latency, pace, brokers, events, sinkTotals,
                ingest == null ? 0 : ingest.accepted(), ingestTally.counts()), timeline, minutes);
    }

    private RunSummary summary(GeneratorResult sent, Reconciler.Output o, boolean drained, double seconds,
                               Histogram latency, RunSummary.Pace pace, int brokers, List<ChaosRunner.Done> chaos,
                               RunSummary.Sink sink,
                               long ingested, Map<String, Long> ingestedByWindow) {
        Books books = Books.of(new Books.Sent(sent.tally().counts(), Generator::sensorName, ingestedByWindow,
                sent.produced() + ingested, sent.invalid()), o);
        long processed = o.outcomes();
        return RunSummary.builder()
                .produced(sent.produced())
                .producedValid(sent.valid())
                .producedInvalid(sent.invalid())
                .sendFailed(sent.sendFailed())
                .aggregated(o.aggregatedCount() + o.openAggregated())
                .windows(o.windows() + o.openCounts().size())
                .dlq(o.invalid())
                .late(o.late())
                .lost(books.lost())
                .duplicated(books.duplicated())
                .windowsWrong(books.windowsWrong())
                .drained(drained)
                .durationS(Math.round(seconds * 10) / 10.0)
                .throughputPerS(Math.round(processed / seconds))
                .latencyMs(latencyOf(latency))
                .pace(pace)
                .brokers(brokers)
                .partitions(config.topics().partitions())
                // Spark's Kafka sink is at-least-once (its output is idempotent by key: docs/spark.md).
                .guarantee(config.engine() == Engine.SPARK ? "spark, at_least_once" : config.guarantee().kafkaName())
                .threads(config.threads())
                .sensors(config.sensors())
                .rateTarget(config.rate() == 0 ? "max" : Long.toString(config.rate()))
                .processors(config.processors())
                .standbys(config.standbys())
                .chaos(chaos)
                .alerts(o.alerts())
                .ingested(ingested)
                .setAside(new RunSummary.SetAside(o.future(), o.overflow(), books.external()))
                .sink(sink)
                .emitted(new RunSummary.Emitted(config.emit().flagName(), o.openCounts().size(), o.openAggregated(),
                        o.emittedTwice()))
                .build();
    }

    private static RunSummary.Latency latencyOf(Histogram h) {
        return new RunSummary.Latency(ProgressLine.pct(h, 50), ProgressLine.pct(h, 99), ProgressLine.pct(h, 99.9),
                h.getMaxValue());
    }

    /**
     * How long the outputs must keep their records: the reconciliation reads {@code points-agg-1m},
     * {@code points-dlq} and {@code alerts} from their start once the run has drained, so they keep
     * the whole run and 10 minutes more, however short {@code --retention}. {@code points} needs no
     * such floor: its records are counted by offsets, and the processor's state is restored from
     * its changelog, never from {@code points} (docs/retention.md).
     */
    static Duration outputsRetention(RunConfig config) {
        return config.duration().plus(config.drainTimeout()).plus(RECONCILE_MARGIN);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** The books must start at zero: a points topic that already holds records would skew them. */
    private static void requireEmpty(Admin admin, String topic) {
        long records;
        try {
            records = Offsets.endOfNewTopic(admin, topic, 30_000).values().stream().mapToLong(Long::longValue).sum();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the offsets of " + topic + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        UsageException.require(records == 0, "--topic-prefix", "topic '" + topic + "' already holds " + records
                + " records; kpipe run reconciles from an empty topic: pick a new --topic-prefix or delete the topics");
    }
}
