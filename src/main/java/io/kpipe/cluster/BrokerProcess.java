package io.kpipe.cluster;

import io.kpipe.cluster.internal.BrokerMain;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One Kafka broker (combined broker+controller) running as a child JVM from kpipe's own class path.
 * Its console output and log go to files in its directory, never to the user's terminal.
 */
public final class BrokerProcess {
    /** Heap and GC for a broker sharing a 2-core machine; {@code KPIPE_BROKER_JAVA_OPTS} adds to them. */
    static final List<String> JVM_OPTIONS = List.of(
            "-Xms512m", "-Xmx1g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
            "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true");

    private static final java.util.Optional<Path> SETSID = java.util.stream.Stream.of("/usr/bin/setsid", "/bin/setsid")
            .map(Path::of).filter(Files::isExecutable).findFirst();

    private final int nodeId;
    private final int port;
    private final Path dir;
    private final Process process;
    private final OutputStream lifeline;

    private BrokerProcess(int nodeId, int port, Path dir, Process process) {
        this.nodeId = nodeId;
        this.port = port;
        this.dir = dir;
        this.process = process;
        this.lifeline = process.getOutputStream();
    }

    static BrokerProcess start(int nodeId, int port, Path dir, String clusterId, Map<String, String> serverProps) {
        try {
            Files.createDirectories(dir);
            Path propsFile = dir.resolve("server.properties");
            Properties props = new Properties();
            props.putAll(serverProps);
            try (Writer w = Files.newBufferedWriter(propsFile)) {
                props.store(w, "kpipe broker " + nodeId);
            }
            List<String> cmd = new ArrayList<>();
            // A session of its own: Ctrl-C in a terminal signals the whole foreground process group,
            // and the broker must outlive its clients' shutdown; kpipe stops it last, itself.
            SETSID.ifPresent(p -> cmd.add(p.toString()));
            cmd.add(javaExecutable());
            cmd.addAll(JVM_OPTIONS);
            cmd.add("-Dlogback.configurationFile=kpipe-broker-logback.xml");
            cmd.add("-Dkpipe.log.file=" + dir.resolve("server.log"));
            String extra = System.getenv("KPIPE_BROKER_JAVA_OPTS");
            if (extra != null && !extra.isBlank()) {
                cmd.addAll(List.of(extra.trim().split("\\s+")));
            }
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(BrokerMain.class.getName());
            cmd.add(clusterId);
            cmd.add(propsFile.toString());
            Path console = dir.resolve("console.log");
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()))
                    .start();
            return new BrokerProcess(nodeId, port, dir, p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start broker " + nodeId, e);
        }
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    }

    public int nodeId() {
        return nodeId;
    }

    public int port() {
        return port;
    }

    public String address() {
        return "127.0.0.1:" + port;
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
        try {
            lifeline.close();
        } catch (IOException ignored) {
            // The child is gone; its stdin pipe has nobody to tell.
        }
    }
}
