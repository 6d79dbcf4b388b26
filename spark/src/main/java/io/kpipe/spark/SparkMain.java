package io.kpipe.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;

/**
 * The Spark processor's JVM, started by kpipe ({@code kpipe process --engine spark}, {@code kpipe
 * run --engine spark}) with one argument, its settings file ({@link SparkSettings}).
 *
 * <p>Talks to its parent as kpipe's own child processors do: {@code kpipe-running} on stdout once
 * the query has completed its first trigger, then a {@link SparkStats} line each second; on a
 * failure one line {@code kpipe process: the processor stopped: <why>} on stderr and exit code 1.
 * It ends when its stdin ends (the parent is gone) and stops the query on SIGTERM.
 */
public final class SparkMain {
    private SparkMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: SparkMain SETTINGS_FILE");
            System.exit(2);
        }
        SparkSettings settings = SparkSettings.read(Path.of(args[0]));
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        lifeline();
        // Heap after GC and GC pauses, beside the settings file, as kpipe's own child JVMs write them (kpipe bench reads it).
        io.kpipe.lifecycle.JvmStats.writeEvery(Path.of(args[0]).toAbsolutePath().resolveSibling(
                io.kpipe.lifecycle.JvmStats.FILE), io.kpipe.lifecycle.JvmStats.CHILD_PERIOD);
        try {
            run(settings, out);
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            System.err.println("kpipe process: the processor stopped: "
                    + (root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName()));
            e.printStackTrace();
            Runtime.getRuntime().halt(1);
        }
    }

    private static void run(SparkSettings settings, PrintStream out) throws Exception {
        Path scratch = Files.createDirectories(Path.of(settings.checkpointDir()).resolveSibling("spark-scratch"));
        Devices.follow(settings);
        SparkSession spark = SparkJob.session(settings, scratch);
        OffsetCommitter committer = new OffsetCommitter(settings);
        spark.streams().addListener(committer);
        StreamingQuery query = SparkJob.start(spark, settings);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                query.stop();
            } catch (Exception e) {
                // Stopping anyway; the checkpoint holds what was committed.
            }
            spark.stop();
        }, "kpipe-spark-stop"));
        System.err.println("kpipe-spark: processing " + settings.pointsTopic() + " as " + settings.applicationId()
                + " on local[" + settings.cores() + "], checkpoint " + settings.checkpointDir());
        boolean running = false;
        while (query.isActive()) {
            if (!running && committer.progressed()) {
                out.println("kpipe-running");
                running = true;
            }
            out.println(SparkStats.line());
            query.awaitTermination(1000);
        }
        query.awaitTermination();   // throws the query's failure, if it had one
        throw new IllegalStateException("the query stopped"
                + (committer.failure() == null ? "" : ": " + committer.failure()));
    }

    /** Ends this JVM when its stdin ends: the parent that holds it is gone. */
    private static void lifeline() {
        Thread t = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // The parent writes nothing.
                }
            } catch (IOException e) {
                // Broken pipe: the same.
            }
            Runtime.getRuntime().halt(1);
        }, "kpipe-lifeline");
        t.setDaemon(true);
        t.start();
    }
}
