package io.kpipe.run;

import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.Durations;
import io.kpipe.config.GeneratorConfig;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.config.RunConfig;
import io.kpipe.config.UsageException;
import io.kpipe.generate.Generator;
import io.kpipe.generate.GeneratorResult;
import io.kpipe.process.PointProcessor;
import io.kpipe.process.ProcessingStats;
import io.kpipe.topics.TopicAdmin;
import io.kpipe.topics.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
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
 */
public final class PipelineRun {
    private static final Duration PROCESSOR_START_TIMEOUT = Duration.ofSeconds(120);

    private final RunConfig config;
    private final PrintWriter out;
    private final Topics topics;

    /** The summary and the run's per-second timeline. */
    public record Result(RunSummary summary, List<Sample> timeline) {}

    public PipelineRun(RunConfig config, PrintWriter out) {
        this.config = config;
        this.out = out;
        this.topics = Topics.withPrefix(config.topics().prefix());
    }

    public Result execute() throws InterruptedException {
        try (Resources resources = new Resources()) {
            Path work = resources.add(new TempDir("kpipe-run-")).path();
            KafkaConnection kafka = new KafkaConnection(cluster(resources), config.clientConfig());
            Created created = createTopics(kafka);
            ProcessingStats stats = new ProcessingStats();
            ProcessorConfig pc = ProcessorConfig.defaults(kafka, config.topics().prefix(), work.resolve("streams"),
                            created.replication())
                    .withGuarantee(config.guarantee())
                    .withThreads(config.threads());
            startProcessor(resources, pc, stats);
            Generator generator = resources.add(new Generator(new GeneratorConfig(kafka, config.topics().prefix(),
                    config.rate(), config.sensors(), 0, config.duration(), config.invalidRatio(), config.lateRatio(),
                    System.nanoTime())));
            out.printf("running for %s: %s points/s, %,d sensors, %s%n", Durations.format(config.duration()),
                    config.rate() == 0 ? "max" : String.format("%,d", config.rate()), config.sensors(),
                    config.guarantee().kafkaName());
            return generateAndDrain(kafka, generator, stats, pc.applicationId(), created.brokers());
        }
    }

    /** Starts the local cluster unless one is given; returns its bootstrap servers. */
    private String cluster(Resources resources) {
        if (!config.localCluster()) {
            return config.bootstrapServers();
        }
        out.printf("starting a local Kafka cluster of %d broker(s)...%n", config.cluster().brokers());
        LocalCluster cluster = resources.add(LocalCluster.start(config.cluster()));
        out.println("bootstrap.servers=" + cluster.bootstrapServers());
        return cluster.bootstrapServers();
    }

    /** What topic creation found: the cluster's size and the replication factor it chose. */
    private record Created(int brokers, int replication) {}

    private Created createTopics(KafkaConnection kafka) {
        try (Admin admin = Connectivity.admin(kafka)) {
            int brokers = Connectivity.brokerCount(admin, kafka.bootstrapServers());
            List<TopicAdmin.Spec> specs = TopicAdmin.specs(topics, config.topics(), brokers);
            for (TopicAdmin.Outcome o : new TopicAdmin(admin).ensure(specs)) {
                if (o.status() == TopicAdmin.Outcome.Status.MISMATCH) {
                    out.println("warning: " + o);
                }
            }
            requireEmpty(admin, topics.points().name());
            return new Created(brokers, specs.get(0).replication());
        }
    }

    private static void startProcessor(Resources resources, ProcessorConfig pc, ProcessingStats stats)
            throws InterruptedException {
        PointProcessor processor = resources.add(PointProcessor.start(pc, stats));
        if (!processor.awaitRunning(PROCESSOR_START_TIMEOUT)) {
            throw new IllegalStateException("processor not running after " + PROCESSOR_START_TIMEOUT.toSeconds()
                    + "s (state " + processor.state() + ")");
        }
    }

    private Result generateAndDrain(KafkaConnection kafka, Generator generator, ProcessingStats stats, String group,
                                    int brokers) throws InterruptedException {
        long start = System.nanoTime();
        GeneratorResult sent;
        boolean drained;
        List<Sample> timeline;
        Histogram latency;
        try (ProgressLine progress = new ProgressLine(out, generator, stats, config.duration(), config.warmup()).start();
             Admin admin = Connectivity.admin(kafka)) {
            sent = generator.run();
            drained = new Drain(admin, group, topics.points().name()).await(config.drainTimeout());
            timeline = progress.samples();
            latency = config.warmup().isZero() ? stats.totalLatency() : progress.afterWarmup();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Reconciler.Output output = new Reconciler(kafka, topics).read();
        return new Result(summary(sent, output, drained, seconds, latency, brokers), timeline);
    }

    private RunSummary summary(GeneratorResult sent, Reconciler.Output o, boolean drained, double seconds,
                               Histogram latency, int brokers) {
        long[] ld = RunSummary.lostAndDuplicated(sent.valid(), sent.invalid(), o.aggregatedCount(), o.invalid(), o.late());
        long processed = o.aggregatedCount() + o.late() + o.invalid();
        return new RunSummary(sent.produced(), sent.valid(), sent.invalid(), sent.sendFailed(),
                o.aggregatedCount(), o.windows(), o.invalid(), o.late(), ld[0], ld[1], drained,
                Math.round(seconds * 10) / 10.0, Math.round(processed / seconds),
                new RunSummary.Latency(ProgressLine.pct(latency, 50), ProgressLine.pct(latency, 99),
                        ProgressLine.pct(latency, 99.9), latency.getMaxValue()),
                brokers, config.topics().partitions(), config.guarantee().kafkaName(), config.threads(),
                config.sensors(), config.rate() == 0 ? "max" : Long.toString(config.rate()));
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

    /** A temporary directory deleted on close. */
    private record TempDir(Path path) implements AutoCloseable {
        TempDir(String prefix) {
            this(create(prefix));
        }

        private static Path create(String prefix) {
            try {
                return Files.createTempDirectory(prefix);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try (Stream<Path> walk = Files.walk(path)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // Best effort: it is in the temporary directory.
            }
        }
    }
}
