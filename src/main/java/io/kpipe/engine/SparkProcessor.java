package io.kpipe.engine;

import io.kpipe.config.ProcessorConfig;
import io.kpipe.config.Secrets;
import io.kpipe.lifecycle.ChildJvm;
import io.kpipe.process.ChildReports;
import io.kpipe.process.ProcessingStats;
import io.kpipe.topics.Topics;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * kpipe's job on Apache Spark: one child JVM running {@code io.kpipe.spark.SparkMain} from the
 * Spark module ({@code spark/}: a thin jar and its dependency directory, Spark's class path, never
 * kpipe's), with the JVM flags Spark's own launcher passes on Java 17 ({@code spark/jvm.options}).
 *
 * <pre>
 * kpipe ── writes ──► DIR/spark.properties (0600: topics, window rules, cores, checkpoint, Kafka client settings)
 *       ── starts ──► java [jvm.options] -cp spark/target/kpipe-spark.jar:spark/target/lib/* SparkMain DIR/spark.properties
 *       ◄── stdout ── kpipe-running, then kpipe-stats lines (as kpipe's own child processors print them)
 *       ── stdin ───► held open: the child ends when kpipe is gone
 * DIR/checkpoint     Spark's offsets and state; a restart resumes from it
 * DIR/console.log    Spark's log (warnings) and, on a failure, the reason line
 * </pre>
 *
 * The Spark module is built (Maven) on first use and whenever its sources are newer than its jar.
 */
public final class SparkProcessor implements AutoCloseable {
    /** Heap and GC of the Spark JVM; {@code KPIPE_SPARK_JAVA_OPTS} adds to them. */
    static final List<String> JVM_OPTIONS = List.of("-Xms512m", "-Xmx1g", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError");
    static final String MAIN_CLASS = "io.kpipe.spark.SparkMain";
    private static final String REASON = "kpipe process: ";
    private static final Duration ORPHAN_GRACE = Duration.ofSeconds(5);
    private static final long STOP_TIMEOUT_MS = 30_000;

    private final List<String> command;
    private final Path dir;
    private final ProcessingStats stats;
    /** The reports of the current JVM: a restarted one reports totals from zero, and running again. */
    private volatile ChildReports reports;
    private volatile Process process;
    private volatile boolean closing;
    /** Killed on purpose (chaos) and not restarted yet: its exit is not a death of the run's processing. */
    private volatile boolean killed;

    private SparkProcessor(List<String> command, Path dir, ProcessingStats stats) {
        this.command = command;
        this.dir = dir;
        this.stats = stats;
    }

    /**
     * Builds the Spark module if needed and starts its JVM for {@code config} in {@code dir}; does
     * not wait ({@link #awaitRunning}). {@code notes} gets a line if a build is needed.
     */
    public static SparkProcessor start(ProcessorConfig config, Path dir, ProcessingStats stats,
                                       java.io.PrintWriter notes) {
        SparkModule module = SparkModule.locate();
        module.ensureBuilt(notes);
        try {
            Files.createDirectories(dir);
            Path settings = dir.resolve("spark.properties");
            Files.deleteIfExists(settings);
            Secrets.writeOwnerOnly(settings, settings(config, dir.resolve("checkpoint")));
            List<String> options = new ArrayList<>(JVM_OPTIONS);
            options.addAll(module.jvmOptions());
            SparkProcessor sp = new SparkProcessor(ChildJvm.command(options, "KPIPE_SPARK_JAVA_OPTS",
                    module.classPath(), MAIN_CLASS, List.of(settings.toString())), dir, stats);
            sp.launch();
            return sp;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Spark processor in " + dir, e);
        }
    }

    private synchronized void launch() throws IOException {
        Process p = ChildJvm.start(new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("console.log").toFile())), ORPHAN_GRACE);
        ChildReports r = new ChildReports(stats);
        reports = r;
        process = p;
        Thread reader = new Thread(() -> r.read(p.getInputStream()), "kpipe-spark-stats");
        reader.setDaemon(true);
        reader.start();
    }

    /** Kills the Spark JVM with SIGKILL (chaos); returns the PID it had. */
    public synchronized long kill() {
        killed = true;
        Process p = process;
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return p.pid();
    }

    /** Starts the Spark JVM again on its checkpoint; returns its new PID. Does not wait. */
    public synchronized long restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("the Spark processor is running (pid " + process.pid() + ")");
        }
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restart the Spark processor in " + dir, e);
        }
        killed = false;
        return process.pid();
    }

    /** The settings file's content: everything the Spark JVM needs, Kafka client settings as {@code kafka.*}. */
    static String settings(ProcessorConfig config, Path checkpoint) {
        Topics topics = Topics.withPrefix(config.topicPrefix());
        Properties p = new Properties();
        p.setProperty("application.id", config.applicationId());
        p.setProperty("topic.points", topics.points().name());
        p.setProperty("topic.devices", topics.devices().name());
        p.setProperty("topic.aggregates", topics.aggregates().name());
        p.setProperty("topic.dead.letters", topics.deadLetters().name());
        p.setProperty("window.ms", Long.toString(config.windowSize().toMillis()));
        p.setProperty("grace.ms", Long.toString(config.grace().toMillis()));
        p.setProperty("max.future.ms", Long.toString(config.maxFuture().toMillis()));
        p.setProperty("trigger.ms", Long.toString(config.commitInterval().toMillis()));
        p.setProperty("cores", Integer.toString(config.threads()));
        p.setProperty("checkpoint.dir", checkpoint.toAbsolutePath().toString());
        config.kafka().clientConfig().forEach((k, v) -> p.setProperty("kafka." + k, v));
        p.setProperty("kafka.bootstrap.servers", config.kafka().bootstrapServers());
        StringWriter w = new StringWriter();
        try {
            p.store(w, "kpipe's Spark processor (written by kpipe; holds client secrets if any)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /** Waits until the query has completed its first trigger; false if {@code timeout} passed or the JVM exited. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return reports.awaitRunning(timeout.toMillis());
    }

    /**
     * Why the Spark processor is dead, in one line naming it, its exit code and the reason it
     * printed; null while it lives (or once {@link #close} ended it).
     */
    public String death() {
        Process p = process;
        if (closing || killed || p.isAlive()) {
            return null;
        }
        String why = lastWords();
        return "the Spark processor (pid " + p.pid() + ") exited with code " + p.exitValue()
                + (why == null ? "" : ": " + why);
    }

    public long pid() {
        return process.pid();
    }

    public Path directory() {
        return dir;
    }

    private String lastWords() {
        try {
            String log = Files.readString(dir.resolve("console.log"), StandardCharsets.UTF_8);
            return log.lines().filter(l -> l.startsWith(REASON)).reduce((a, b) -> b)
                    .map(l -> Secrets.maskText(l.substring(REASON.length()))).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    /** SIGTERM (the query stops between micro-batches), SIGKILL if it is still there after 30 s. */
    @Override
    public void close() {
        closing = true;
        Process process = this.process;
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // Gone already.
        }
    }
}
