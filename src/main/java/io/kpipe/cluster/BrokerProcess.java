package io.kpipe.cluster;

import io.kpipe.cluster.internal.BrokerMain;
import io.kpipe.cluster.internal.OwnerOnly;
import io.kpipe.hosts.VirtualHosts;
import io.kpipe.lifecycle.ChildJvm;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One Kafka broker (combined broker+controller) running as a child JVM from kpipe's own class path.
 * Its console output and log go to files in its directory, never to the user's terminal. On a
 * host of {@link VirtualHosts} ({@code --hosts}) it runs in that host's network namespace, and so
 * does every restart of it.
 */
public final class BrokerProcess {
    /**
     * Heap, GC and JIT for a broker sharing a 2-core machine; {@code KPIPE_BROKER_JAVA_OPTS} adds to
     * them (a later {@code -XX} wins, so {@code -XX:TieredStopAtLevel=4} brings C2 back).
     *
     * <p>C1 only ({@code TieredStopAtLevel=1}): a broker's work at these rates is system calls,
     * copies and checksums of a few MB/s, so C2's optimisations buy it little (Kafka's own
     * ProducerPerformance against the broker: the same records/s on C1 as on C2), while its
     * compilations took 20-30% of a core in the first minute, when the processor needs the CPU most.
     * Measured in cold {@code kpipe run}s (docs/performance.md, "Cold start"): steady state earlier,
     * and no more CPU while steady.
     *
     * <p>Not with TLS ({@link #TLS_JVM_OPTIONS}): the JDK's AES-GCM runs on CPU instructions (AES-NI,
     * carry-less multiply) only in C2-compiled code; under C1 a secured broker spent most of its samples
     * in the Java fallback ({@code GHASH.blockMult}, {@code AESCrypt.implEncryptBlock}) and Kafka's
     * ProducerPerformance reached 0.58-0.59M records/s against 2.2M in plaintext (docs/security.md).
     */
    static final List<String> JVM_OPTIONS = List.of(
            "-Xms512m", "-Xmx1g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:TieredStopAtLevel=1",
            "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true");

    /** A broker serving TLS: as {@link #JVM_OPTIONS}, with C2 for the AES-GCM intrinsics. */
    static final List<String> TLS_JVM_OPTIONS = JVM_OPTIONS.stream()
            .filter(o -> !o.startsWith("-XX:TieredStopAtLevel=")).toList();

    /** A broker whose parent died halts 15 s after it began its shutdown (BrokerMain); then the watchdog kills. */
    private static final Duration ORPHAN_GRACE = Duration.ofSeconds(20);
    /** A broker on a host whose parent died halts after this (its network is gone with the parent). */
    private static final long HOST_ORPHAN_HALT_MS = 3_000;

    private final int nodeId;
    private final int port;
    private final Path dir;
    private final String clusterId;
    private final boolean tls;
    private final Process process;
    private final OutputStream lifeline;
    /** Where it runs with --hosts; both null on the machine's own network (127.0.0.1). */
    private final VirtualHosts hosts;
    private final VirtualHosts.Host host;

    private BrokerProcess(int nodeId, int port, Path dir, String clusterId, boolean tls, Process process,
                          VirtualHosts hosts, VirtualHosts.Host host) {
        this.nodeId = nodeId;
        this.tls = tls;
        this.port = port;
        this.dir = dir;
        this.clusterId = clusterId;
        this.process = process;
        this.lifeline = process.getOutputStream();
        this.hosts = hosts;
        this.host = host;
    }

    /**
     * Writes the broker's {@code server.properties} (0600: on a secured cluster it holds the key
     * store passwords and the broker's SCRAM login) and, if {@code formatScram} is not empty, the
     * storage tool's {@code --add-scram} arguments ({@link BrokerMain#FORMAT_SCRAM}, 0600), then starts it:
     * on {@code host} of {@code hosts}, or (both null) on the machine's own network.
     */
    static BrokerProcess start(int nodeId, int port, Path dir, String clusterId, Map<String, String> serverProps,
                               List<String> formatScram, VirtualHosts hosts, VirtualHosts.Host host) {
        try {
            OwnerOnly.directory(dir);
            Properties props = new Properties();
            props.putAll(serverProps);
            StringWriter text = new StringWriter();
            props.store(text, "kpipe broker " + nodeId);
            OwnerOnly.write(dir.resolve("server.properties"), text.toString());
            if (!formatScram.isEmpty()) {
                OwnerOnly.write(dir.resolve(BrokerMain.FORMAT_SCRAM), String.join("\n", formatScram) + "\n");
            }
            return launch(nodeId, port, dir, clusterId, serverProps.containsKey("ssl.keystore.location"), hosts, host);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start broker " + nodeId, e);
        }
    }

    /** Starts this broker again, on its own data, ports and settings (after a kill). */
    BrokerProcess restart() {
        try {
            return launch(nodeId, port, dir, clusterId, tls, hosts, host);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restart broker " + nodeId, e);
        }
    }

    private static BrokerProcess launch(int nodeId, int port, Path dir, String clusterId, boolean tls,
                                        VirtualHosts hosts, VirtualHosts.Host host) throws IOException {
        List<String> options = new ArrayList<>(tls ? TLS_JVM_OPTIONS : JVM_OPTIONS);
        options.add("-Dlogback.configurationFile=kpipe-broker-logback.xml");
        options.add("-Dkpipe.log.file=" + dir.resolve("server.log"));
        if (hosts != null) {
            // Its network dies with kpipe: nothing to shut down in order then (see BrokerMain).
            options.add("-D" + BrokerMain.HALT_AFTER_PROPERTY + "=" + HOST_ORPHAN_HALT_MS);
        }
        List<String> cmd = ChildJvm.command(options, "KPIPE_BROKER_JAVA_OPTS", BrokerMain.class.getName(),
                List.of(clusterId, dir.resolve("server.properties").toString()));
        if (hosts != null) {
            cmd = hosts.command(host, cmd);
        }
        Process p = ChildJvm.start(new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("console.log").toFile())), ORPHAN_GRACE);
        if (hosts != null) {
            try {
                hosts.attach(host, p.pid());
            } catch (RuntimeException e) {
                p.destroyForcibly();
                throw e;
            }
        }
        return new BrokerProcess(nodeId, port, dir, clusterId, tls, p, hosts, host);
    }

    public int nodeId() {
        return nodeId;
    }

    public int port() {
        return port;
    }

    /** {@code host:port} clients connect to (and the broker advertises): 127.0.0.1, or its host's address. */
    public String address() {
        return (host == null ? "127.0.0.1" : host.address()) + ":" + port;
    }

    /** The host it runs on with --hosts, else null. */
    public VirtualHosts.Host host() {
        return host;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Where this broker's log and console output are. */
    public Path directory() {
        return dir;
    }

    /** SIGKILL, as a machine failure would end it; waits until the process is gone. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeLifeline();
    }

    /** SIGSTOP or SIGCONT: freezes the broker (a stalled machine or a long GC pause), or thaws it. */
    void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot signal broker " + nodeId, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM (a controlled shutdown), without waiting. */
    void requestStop() {
        process.destroy();
    }

    /** Waits up to {@code ms} for the process to end, then SIGKILLs it. */
    void awaitStop(long ms) {
        try {
            if (!process.waitFor(ms, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        closeLifeline();
    }

    private void closeLifeline() {
        try {
            lifeline.close();
        } catch (IOException ignored) {
            // The child is gone; its stdin pipe has nobody to tell.
        }
    }
}
