package io.kpipe.cluster.internal;

import io.kpipe.lifecycle.JvmStats;
import io.kpipe.lifecycle.Watchdog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of a broker child JVM: {@code BrokerMain <cluster-id> <server.properties>}.
 *
 * <p>It formats the storage if it is not yet formatted, then runs {@code kafka.Kafka}. The parent
 * holds this process's stdin open and never writes to it; when the parent dies, however it dies,
 * stdin reaches end-of-file and the broker shuts down, so no broker outlives kpipe. (A broker
 * frozen by SIGSTOP reads nothing: its {@link Watchdog} thaws it so it can.) Its heap after GC,
 * live heap and GC pause time go to {@link JvmStats#FILE} beside {@code server.properties}, and it
 * runs a full collection when kpipe asks through the file beside that ({@link JvmStats#requestFullGc}).
 *
 * <p>On a secured cluster the file {@link #FORMAT_SCRAM} beside {@code server.properties} holds the
 * SCRAM users to write into the storage when it is formatted, one {@code --add-scram} argument a
 * line: their passwords reach the storage tool without passing through a command line.
 */
public final class BrokerMain {
    private static final long HALT_AFTER_MS = 15_000;
    /**
     * System property: how long an orphaned broker may take to shut down before it halts (ms). On a
     * host of its own (--hosts) its network went with kpipe, so a controlled shutdown cannot happen
     * (it waits for a controller it cannot reach): it halts sooner, as a SIGKILL would end it.
     */
    public static final String HALT_AFTER_PROPERTY = "kpipe.broker.haltAfterMs";
    /** The SCRAM users of a first format (0600), beside server.properties; deleted once formatted. */
    public static final String FORMAT_SCRAM = "format-scram";

    private BrokerMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: BrokerMain <cluster-id> <server.properties>");
            System.exit(2);
        }
        watchParent(System.in);
        // Heap after GC, live heap and GC pauses, beside server.properties, for kpipe's resource sampler
        // (which also asks for a full collection there, for the live heap).
        JvmStats.writeEvery(Path.of(args[1]).toAbsolutePath().resolveSibling(JvmStats.FILE), JvmStats.CHILD_PERIOD);
        List<String> format = new ArrayList<>(List.of("format", "--cluster-id", args[0], "--config", args[1],
                "--ignore-formatted"));
        Path scram = Path.of(args[1]).toAbsolutePath().resolveSibling(FORMAT_SCRAM);
        if (Files.exists(scram)) {
            for (String user : Files.readAllLines(scram)) {
                if (!user.isBlank()) {
                    format.add("--add-scram");
                    format.add(user.strip());
                }
            }
        }
        int rc = kafka.tools.StorageTool.execute(format.toArray(String[]::new), System.out);
        if (rc != 0) {
            System.err.println("formatting storage failed with code " + rc);
            System.exit(rc);
        }
        // Formatted (now or before): the users are in the storage, their passwords need not stay here too.
        Files.deleteIfExists(scram);
        kafka.Kafka.main(new String[] {args[1]});
    }

    private static void watchParent(InputStream in) {
        Thread t = new Thread(() -> {
            try {
                while (in.read() >= 0) {
                    // The parent never writes; anything read is ignored.
                }
            } catch (IOException ignored) {
                // A broken pipe means the parent is gone, as end-of-file does.
            }
            System.err.println("parent process gone: shutting down the broker");
            Thread halt = new Thread(() -> {
                sleep(Long.getLong(HALT_AFTER_PROPERTY, HALT_AFTER_MS));
                Runtime.getRuntime().halt(1);
            }, "halt-timer");
            halt.setDaemon(true);
            halt.start();
            System.exit(0);
        }, "parent-watch");
        t.setDaemon(true);
        t.start();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
