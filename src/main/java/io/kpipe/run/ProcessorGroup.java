package io.kpipe.run;

import io.kpipe.lifecycle.ChildJvm;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.config.ProcessorConfigFile;
import io.kpipe.config.Durations;
import io.kpipe.hosts.DeployGuide;
import io.kpipe.hosts.HostCertificate;
import io.kpipe.hosts.VirtualHosts;
import io.kpipe.process.ChildReports;
import io.kpipe.process.ProcessingStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code kpipe run --processors N}: N {@code kpipe process} instances as child JVMs with one
 * application id, so the partitions are spread over processes the way they would be over machines.
 * Each child reads the whole processor configuration, Kafka client settings included, from a file
 * only its owner can read ({@link ProcessorConfigFile}), not from its command line.
 * Each child reports its counts and latencies on stdout once a second ({@code process --child}),
 * which this class adds into one {@link ProcessingStats}; each watches its stdin and exits when
 * this process dies. Processors can be killed (SIGKILL) and restarted on their state directory; one
 * that exits otherwise is reported by {@link #deadProcessor()}.
 *
 * <p>On hosts ({@code --hosts}, {@link OnHosts}) each child runs on a host of its own,
 * {@code processor-N}, started with the deployment guide's own command line ({@link DeployGuide}:
 * docs/deploy.md's {@code kpipe process} line, run by bash with {@code BOOTSTRAP}, {@code HOST},
 * {@code ETC} and {@code STATE} set for that host, the run's other settings appended as flags). It
 * serves queries over HTTPS on every address of its host at the guide's port, advertising the
 * host's address as its {@code application.server}: a query to one instance for a sensor another
 * owns is forwarded across the network. {@code ETC} is the run's {@code etc/} directory, with
 * the files the guide names there: {@code processor.properties} (the processor's Kafka client
 * settings) and the query certificate ({@link HostCertificate}).
 */
public final class ProcessorGroup implements AutoCloseable {
    /** Heap and GC of a child processor; {@code KPIPE_PROCESSOR_JAVA_OPTS} adds to them. */
    static final List<String> JVM_OPTIONS = List.of("-Xms512m", "-Xmx1g", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError");
    /** A child's configuration, in its directory under the run's work directory. */
    static final String CONFIG_FILE = "processor.json";
    private static final long STOP_TIMEOUT_MS = 30_000;
    /** An orphaned child halts as soon as it reads the end of its stdin; the watchdog kills it after this. */
    private static final Duration ORPHAN_GRACE = Duration.ofSeconds(5);

    /**
     * Where the processors run with --hosts: processor N on {@code on.get(N - 1)} of {@code hosts},
     * started with {@code guide}'s line, {@code ETC} being {@code etc} (which holds
     * {@code certificate}'s files under the names the guide gives them).
     */
    public record OnHosts(VirtualHosts hosts, List<VirtualHosts.Host> on, DeployGuide guide, Path etc,
                          HostCertificate certificate) {
        public OnHosts {
            on = List.copyOf(on);
        }

        /** Processor {@code id}'s query URL for {@code sensor}. */
        public String queryUrl(int id, String sensor) {
            return "https://" + on.get(id - 1).address() + ":" + guide.httpPort() + "/api/sensors/" + sensor;
        }
    }

    private final ProcessorConfig config;
    private final Path workDir;
    private final ProcessingStats stats;
    private final OnHosts onHosts;
    private final List<Child> children = new ArrayList<>();
    private boolean closing;

    private ProcessorGroup(ProcessorConfig config, Path workDir, ProcessingStats stats, OnHosts onHosts) {
        this.config = config;
        this.workDir = workDir;
        this.stats = stats;
        this.onHosts = onHosts;
    }

    /**
     * Starts {@code n} processors and waits until each is processing. Each gets {@code config}, Kafka
     * client settings included, with a state directory of its own under {@code workDir}.
     */
    public static ProcessorGroup start(int n, ProcessorConfig config, Path workDir, ProcessingStats stats,
                                       Duration timeout) throws InterruptedException {
        return start(n, config, workDir, stats, timeout, null);
    }

    /** {@link #start(int, ProcessorConfig, Path, ProcessingStats, Duration)}, each on its host of {@code onHosts} (null: none). */
    public static ProcessorGroup start(int n, ProcessorConfig config, Path workDir, ProcessingStats stats,
                                       Duration timeout, OnHosts onHosts) throws InterruptedException {
        ProcessorGroup group = new ProcessorGroup(config, workDir, stats, onHosts);
        try {
            if (onHosts != null) {
                try {
                    writeRoleFile(config, onHosts.etc());
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write the processors' role file in " + onHosts.etc(), e);
                }
            }
            for (int id = 1; id <= n; id++) {
                group.children.add(group.launch(id));
            }
            for (Child c : group.children) {
                c.awaitRunning(timeout);
            }
        } catch (RuntimeException | InterruptedException e) {
            group.close();
            throw e;
        }
        return group;
    }

    public int size() {
        return children.size();
    }

    /** Kills processor {@code id} (1..N) with SIGKILL; returns the PID it had. */
    public synchronized long kill(int id) {
        Child c = child(id);
        c.killed = true;
        c.process.destroyForcibly();
        try {
            c.process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return c.process.pid();
    }

    /** Starts processor {@code id} again on its state directory; returns its new PID. Does not wait. */
    public synchronized long restart(int id) {
        Child c = child(id);
        if (c.process.isAlive()) {
            throw new IllegalStateException("processor " + id + " is running (pid " + c.process.pid() + ")");
        }
        Child again = launch(id);
        children.set(id - 1, again);
        return again.process.pid();
    }

    /**
     * The first processor that exited although nobody ended it ({@link #kill} or {@link #close}),
     * in one line with its exit code and, if it said why, the reason it printed; null while all live:
     * {@code processor 2 (pid 1234) exited with code 1: the processor stopped: <why>}.
     */
    public synchronized String deadProcessor() {
        if (closing) {
            return null;
        }
        for (Child c : children) {
            if (!c.killed && !c.process.isAlive()) {
                String why = lastWords(c.id);
                return "processor " + c.id + " (pid " + c.process.pid() + ") exited with code " + c.process.exitValue()
                        + (why == null ? "" : ": " + why);
            }
        }
        return null;
    }

    /** What a child's {@code kpipe process} said last about why it stopped, or null. */
    private String lastWords(int id) {
        String prefix = "kpipe process: ";
        try {
            String log = new String(Files.readAllBytes(workDir.resolve("processor-" + id).resolve("console.log")),
                    StandardCharsets.UTF_8);
            return log.lines().filter(l -> l.startsWith(prefix)).reduce((a, b) -> b)
                    .map(l -> io.kpipe.config.Secrets.maskText(l.substring(prefix.length()))).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    public synchronized long pid(int id) {
        return child(id).process.pid();
    }

    /** The host processor {@code id} runs on with --hosts, else null. */
    public VirtualHosts.Host host(int id) {
        child(id);
        return onHosts == null ? null : onHosts.on().get(id - 1);
    }

    private Child child(int id) {
        if (id < 1 || id > children.size()) {
            throw new IllegalArgumentException("no processor " + id + "; there are 1.." + children.size());
        }
        return children.get(id - 1);
    }

    private Child launch(int id) {
        Path dir = workDir.resolve("processor-" + id);
        List<String> options = new ArrayList<>(JVM_OPTIONS);
        options.add("-Dkpipe.processor.id=" + id);
        try {
            VirtualHosts.Host host = onHosts == null ? null : onHosts.on().get(id - 1);
            List<String> cmd;
            if (host == null) {
                cmd = ChildJvm.command(options, "KPIPE_PROCESSOR_JAVA_OPTS", "io.kpipe.cli.Main",
                        childArguments(config, dir));
            } else {
                cmd = onHosts.hosts().command(host, guideCommand(config, dir, host, onHosts,
                        ChildJvm.command(options, "KPIPE_PROCESSOR_JAVA_OPTS", "io.kpipe.cli.Main", List.of())));
                Files.writeString(dir.resolve("command.txt"), String.join("\n", cmd) + "\n");
            }
            Process p = ChildJvm.start(new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("console.log").toFile())), ORPHAN_GRACE);
            if (host != null) {
                try {
                    onHosts.hosts().attach(host, p.pid());
                } catch (RuntimeException e) {
                    p.destroyForcibly();
                    throw e;
                }
            }
            Child c = new Child(id, p);
            Thread reader = new Thread(c::readReports, "kpipe-processor-" + id + "-stats");
            reader.setDaemon(true);
            reader.start();
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start processor " + id, e);
        }
    }

    /**
     * Writes the configuration of the child processor living in {@code dir} to
     * {@code dir/processor.json} (0600, see {@link ProcessorConfigFile}): {@code config} with the
     * state directory {@code dir/state}. Returns its {@code kpipe} arguments, which name only that
     * file: no setting, and so no client secret, is on the command line.
     */
    static List<String> childArguments(ProcessorConfig config, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(CONFIG_FILE);
        // A restarted child gets the same config in a new file: created 0600 anew, never reused.
        Files.deleteIfExists(file);
        ProcessorConfigFile.write(config.toBuilder().stateDir(dir.resolve("state")).build(), file);
        return new ArrayList<>(List.of("process", "--child", "--config-file", file.toString(), "--http-port", "0"));
    }

    /**
     * The command of the child processor living in {@code dir} on {@code host}: the guide's line
     * for that host ({@link DeployGuide#command}), where {@code kpipe} is {@code jvm}; the run's
     * settings follow as flags ({@link #runFlags}). The role file the line names is written once,
     * before the first processor starts ({@link #writeRoleFile}).
     */
    static List<String> guideCommand(ProcessorConfig config, Path dir, VirtualHosts.Host host, OnHosts onHosts,
                                     List<String> jvm) throws IOException {
        Files.createDirectories(dir);
        java.util.Map<String, String> values = java.util.Map.of("BOOTSTRAP", config.kafka().bootstrapServers(),
                "HOST", host.address(), "ETC", onHosts.etc().toString(), "STATE", dir.resolve("state").toString());
        return onHosts.guide().command(values, jvm, runFlags(config));
    }

    /**
     * Writes the processors' Kafka client settings to {@code etc/processor.properties} (0600), the
     * role file the guide's line names; once per run, so a processor (re)starting never reads it
     * half-written.
     */
    static void writeRoleFile(ProcessorConfig config, Path etc) throws IOException {
        java.util.Properties client = new java.util.Properties();
        client.putAll(config.kafka().clientConfig());
        java.io.StringWriter text = new java.io.StringWriter();
        client.store(text, "the processor's Kafka client settings (kpipe run --hosts)");
        io.kpipe.config.Secrets.writeOwnerOnly(etc.resolve("processor.properties"), text.toString());
    }

    /** The run's processor settings as {@code kpipe process} flags, after the guide's own (the last value counts). */
    public static List<String> runFlags(ProcessorConfig config) {
        // Every setting the run has, whether or not it is the default: a flag the guide's line gains later
        // (--topic-prefix, --engine) must not silently win over the run's.
        List<String> flags = new ArrayList<>(List.of("--child",
                "--engine", config.engine().flagName(),
                "--topic-prefix", config.topicPrefix(),
                "--application-id", config.applicationId(),
                "--guarantee", config.guarantee().kafkaName(),
                "--threads", Integer.toString(config.threads()),
                "--standbys", Integer.toString(config.standbys()),
                "--emit", config.emit().flagName(),
                "--window", Durations.format(config.windowSize()),
                "--grace", Durations.format(config.grace()),
                "--max-future", Durations.format(config.maxFuture()),
                "--commit-interval", Durations.format(config.commitInterval()),
                "--zscore", Double.toString(config.zscore())));
        return flags;
    }

    /** SIGTERM to all (each commits and leaves the group), SIGKILL to any still there after 30 s. */
    @Override
    public synchronized void close() {
        closing = true;
        children.forEach(c -> c.process.destroy());
        long deadline = System.currentTimeMillis() + STOP_TIMEOUT_MS;
        for (Child c : children) {
            try {
                if (!c.process.waitFor(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS)) {
                    c.process.destroyForcibly();
                    c.process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                c.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            try {
                c.process.getOutputStream().close();
            } catch (IOException ignored) {
                // Gone already.
            }
        }
    }

    private final class Child {
        final int id;
        final Process process;
        final ChildReports reports = new ChildReports(stats);
        /** Ended on purpose (chaos): its exit is not a death of the run's processing. */
        volatile boolean killed;

        Child(int id, Process process) {
            this.id = id;
            this.process = process;
        }

        void awaitRunning(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reports.awaitRunning(200)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("processor " + id + " exited (code " + process.exitValue()
                            + ") during start; see " + workDir.resolve("processor-" + id).resolve("console.log"));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("processor " + id + " not running after " + timeout.toSeconds() + "s");
                }
            }
        }

        /** Reads the child's stdout until it ends, adding each report's increments to the stats. */
        void readReports() {
            reports.read(process.getInputStream());
        }
    }
}
