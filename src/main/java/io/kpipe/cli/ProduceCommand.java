package io.kpipe.cli;

import io.kpipe.config.UsageException;
import io.kpipe.produce.FileReplay;
import io.kpipe.terminal.Bar;
import io.kpipe.topics.Connectivity;
import io.kpipe.topics.Topics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclOperation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "produce", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Replay a file of points (NDJSON or CSV, one a line) into the points topic, with progress.",
                "Rejected lines are counted and the first 20 listed with their line numbers.",
                "Exit code 0 only when every line was accepted and acknowledged, 1 otherwise."})
final class ProduceCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--file", required = true, paramLabel = "FILE", description = "The file to replay.")
    Path file;

    @Option(names = "--format", defaultValue = "auto",
            description = "ndjson, csv, or auto: by the file's extension (.ndjson/.jsonl/.json, .csv), else line by line "
                    + "('{' starts a JSON point) (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--rate", defaultValue = "max", converter = Converters.RateConverter.class,
            description = "Points per second at most (e.g. 10k), or max: as fast as Kafka takes them (default ${DEFAULT-VALUE}).")
    long rate;

    @Mixin
    TopicPrefixOption topicPrefix;

    @Override
    public Integer call() {
        FileReplay.Format f = switch (format.toLowerCase(Locale.ROOT)) {
            case "ndjson" -> FileReplay.Format.NDJSON;
            case "csv" -> FileReplay.Format.CSV;
            case "auto" -> FileReplay.guess(file);
            default -> throw new UsageException("--format", "must be ndjson, csv or auto, got '" + format + "'");
        };
        UsageException.require(Files.isReadable(file) && Files.isRegularFile(file), "--file",
                "must be a readable file, got '" + file + "'");
        var kafka = connection.connection();
        String topic = Topics.withPrefix(topicPrefix.prefix).points().name();
        try (Admin admin = Connectivity.admin(kafka)) {
            Connectivity.requireTopics(admin, kafka, java.util.Map.of(topic, AclOperation.WRITE));
        }
        PrintWriter out = spec.commandLine().getOut();
        long size = sizeOf(file);
        boolean terminal = System.console() != null;
        long start = System.nanoTime();
        long[] lastPrint = {start};
        FileReplay.Result r = new FileReplay(kafka, topic, f, rate).run(file, bytes -> {
            long now = System.nanoTime();
            if (now - lastPrint[0] < (terminal ? 200_000_000L : 5_000_000_000L)) {
                return;
            }
            lastPrint[0] = now;
            double secs = (now - start) / 1e9;
            long eta = bytes == 0 ? -1 : Math.round(secs * (size - bytes) / bytes);
            String line = String.format(Locale.ROOT, "%s %,d of %,d bytes, %,.0f bytes/s",
                    Bar.render(bytes, size, 30, eta), bytes, size, bytes / secs);
            out.print(terminal ? "\r" + line + "\u001b[K" : line + System.lineSeparator());
            out.flush();
        });
        double secs = (System.nanoTime() - start) / 1e9;
        if (terminal) {
            out.println();
        }
        out.printf(Locale.ROOT, "%s: %,d lines, %,d points accepted, %,d lines rejected, in %.1f s (%,.0f points/s) -> %s%n",
                file, r.lines(), r.accepted(), r.rejected(), secs, r.accepted() / Math.max(secs, 1e-3), topic);
        for (FileReplay.Rejected x : r.firstRejected()) {
            out.printf(Locale.ROOT, "  line %d: %s%n", x.line(), x.reason());
        }
        if (r.rejected() > r.firstRejected().size()) {
            out.printf(Locale.ROOT, "  ... and %,d more rejected lines%n", r.rejected() - r.firstRejected().size());
        }
        if (r.sendFailed() > 0) {
            out.printf(Locale.ROOT, "%,d points were not acknowledged by Kafka: %s%n", r.sendFailed(), r.sendError());
        }
        out.flush();
        return r.allAccepted() ? Main.OK : Main.FAILED;
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            throw new UsageException("--file", "cannot read " + file + " (" + e.getMessage() + ")");
        }
    }
}
