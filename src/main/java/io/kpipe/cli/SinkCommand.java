package io.kpipe.cli;

import io.kpipe.config.Secrets;
import io.kpipe.config.UsageException;
import io.kpipe.http.HttpService;
import io.kpipe.metrics.Metrics;
import io.kpipe.topics.Connectivity;
import io.kpipe.lifecycle.Resources;
import io.kpipe.sink.PostgresSink;
import io.kpipe.sink.PostgresWriter;
import io.kpipe.topics.Topics;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclOperation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sink", mixinStandardHelpOptions = true, description = "Write the pipeline's results to a store.",
        subcommands = {SinkCommand.Postgres.class, SinkCommand.FileSinkCommand.class})
final class SinkCommand {

    @Command(name = "postgres", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Upsert window aggregates into sensor_agg_1m and alerts into alerts (created if missing),",
                    "committing Kafka offsets only after the database committed; records that can never be written",
                    "go to sink_rejects with the reason. Runs until Ctrl-C."})
    static final class Postgres implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Option(names = "--jdbc-url", required = true, description = "e.g. jdbc:postgresql://127.0.0.1:5432/kpipe")
        String jdbcUrl;

        @Option(names = "--user", description = "Database user.")
        String user;

        @Option(names = "--password-file", paramLabel = "FILE", description = "A file whose first line is the password.")
        Path passwordFile;

        @Option(names = "--write-mode", defaultValue = "copy",
                description = "copy (COPY to a temporary table, then one upsert; the faster, see kpipe bench --scenario sink) "
                        + "or upsert (multi-row INSERT ... ON CONFLICT) (default ${DEFAULT-VALUE}).")
        String writeMode;

        @Option(names = "--group", description = "Consumer group (default: <topic-prefix>kpipe-sink-postgres).")
        String group;

        @Mixin
        HttpOption http;

        @Mixin
        TopicPrefixOption topicPrefix;

        @Override
        public Integer call() throws Exception {
            PostgresWriter.Mode mode = switch (writeMode.toLowerCase(Locale.ROOT)) {
                case "upsert" -> PostgresWriter.Mode.UPSERT;
                case "copy" -> PostgresWriter.Mode.COPY;
                default -> throw new UsageException("--write-mode", "must be upsert or copy, got '" + writeMode + "'");
            };
            Secrets.requireNoPasswordInUrl(jdbcUrl, "--jdbc-url", "--password-file");
            String password = SecretFile.read(passwordFile, "--password-file");
            http.port();
            http.endpoint();
            var kafka = connection.connection();   // every flag is checked before anything is connected to
            PostgresSink.checkAndPrepare(jdbcUrl, user, password);
            Topics topics = Topics.withPrefix(topicPrefix.prefix);
            try (Admin admin = Connectivity.admin(kafka)) {
                java.util.Map<String, AclOperation> needs = new java.util.LinkedHashMap<>();
                needs.put(topics.aggregates().name(), AclOperation.READ);
                needs.put(topics.alerts().name(), AclOperation.READ);
                Connectivity.requireTopics(admin, kafka, needs);
            }
            PostgresSink sink = new PostgresSink(new PostgresSink.Config(kafka, topicPrefix.prefix, jdbcUrl, user, password,
                    group != null ? group : PostgresSink.Config.defaultGroup(topicPrefix.prefix), mode));
            Resources resources = new Resources();
            Metrics metrics = resources.add(new Metrics());
            metrics.postgresSink(sink);
            HttpService http = this.http.start(resources, metrics);
            resources.add(sink);
            spec.commandLine().getErr().println("writing " + topics.aggregates().name() + " and " + topics.alerts().name() + " to "
                    + Secrets.maskText(jdbcUrl) + " (" + mode.name().toLowerCase(Locale.ROOT) + ")" + (http == null ? "" : "; metrics "
                    + http.url() + "/metrics") + "; Ctrl-C to stop");
            Thread reporter = new Thread(() -> report(sink), "kpipe-sink-progress");
            reporter.setDaemon(true);
            reporter.start();
            sink.run();
            return Main.OK;
        }

        private void report(PostgresSink sink) {
            long last = 0;
            try {
                while (true) {
                    Thread.sleep(10_000);
                    long now = sink.rows();
                    spec.commandLine().getOut().printf(Locale.ROOT, "window rows written %,d (%,.0f/s), alert rows %,d, retries %,d, "
                            + "rejected %,d%n", now, (now - last) / 10.0, sink.alertRows(), sink.retries(), sink.rejected());
                    spec.commandLine().getOut().flush();
                    last = now;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Command(name = "files", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Write window aggregates as NDJSON files (one record value per line, one partition per file),",
                    "rolled by size or age. Every committed record is in exactly one *.ndjson file, also after a crash;",
                    "instances of one group may share the directory. Runs until Ctrl-C."})
    static final class FileSinkCommand implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Option(names = "--dir", required = true, description = "Directory for the files (created if missing).")
        Path dir;

        @Option(names = "--max-bytes", defaultValue = "128m", converter = Converters.ByteSizeConverter.class,
                description = "Roll a file at this size, in bytes or with k, m or g (default ${DEFAULT-VALUE}).")
        long maxBytes;

        @Option(names = "--roll-interval", defaultValue = "1h", converter = Converters.DurationConverter.class,
                description = "Roll a file at this age (default ${DEFAULT-VALUE}).")
        java.time.Duration rollInterval;

        @Option(names = "--group", description = "Consumer group (default: <topic-prefix>kpipe-sink-files).")
        String group;

        @Mixin
        HttpOption http;

        @Mixin
        TopicPrefixOption topicPrefix;

        @Override
        public Integer call() {
            UsageException.require(maxBytes >= 1024, "--max-bytes", "must be at least 1024, got " + maxBytes);
            http.port();   // checked before anything is connected to
            http.endpoint();
            var kafka = connection.connection();
            try (Admin admin = Connectivity.admin(kafka)) {
                Connectivity.requireTopics(admin, kafka, java.util.Map.of(
                        Topics.withPrefix(topicPrefix.prefix).aggregates().name(), AclOperation.READ));
            }
            io.kpipe.sink.FileSink sink = new io.kpipe.sink.FileSink(new io.kpipe.sink.FileSink.Config(kafka,
                    topicPrefix.prefix, dir, maxBytes, rollInterval,
                    group != null ? group : io.kpipe.sink.FileSink.Config.defaultGroup(topicPrefix.prefix)));
            Resources resources = new Resources();
            Metrics metrics = resources.add(new Metrics());
            metrics.counter("kpipe.sink.rows", "Window records written to NDJSON files", sink, io.kpipe.sink.FileSink::lines,
                            "sink", "files")
                    .counter("kpipe.sink.files", "NDJSON files completed", sink, io.kpipe.sink.FileSink::files, "sink", "files");
            HttpService http = this.http.start(resources, metrics);
            resources.add(sink);
            spec.commandLine().getErr().println("writing " + Topics.withPrefix(topicPrefix.prefix).aggregates().name() + " to " + dir
                    + (http == null ? "" : "; metrics " + http.url() + "/metrics") + "; Ctrl-C to stop");
            sink.run();
            return Main.OK;
        }
    }
}
