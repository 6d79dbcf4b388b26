package io.kpipe.cli;

import io.kpipe.config.UsageException;
import io.kpipe.http.HttpService;
import io.kpipe.http.IngestApi;
import io.kpipe.metrics.Metrics;
import io.kpipe.topics.Connectivity;
import io.kpipe.lifecycle.Resources;
import io.kpipe.topics.Topics;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclOperation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "ingest", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve POST /ingest (NDJSON or CSV points, acknowledged by Kafka before the response) and",
                "/metrics on 127.0.0.1, writing to the points topic of an existing cluster. Runs until Ctrl-C."})
final class IngestCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    HttpOption http;

    @Option(names = "--ingest-token-file", paramLabel = "FILE",
            description = "Require 'Authorization: Bearer <the file's first line>'.")
    Path tokenFile;

    @Option(names = "--max-body-bytes", defaultValue = "16m", converter = Converters.ByteSizeConverter.class,
            description = "Largest request body, in bytes or with k, m or g; larger ones get 413 (default ${DEFAULT-VALUE}).")
    long maxBodyBytes;

    @Option(names = "--max-lines", defaultValue = "100000",
            description = "Most lines in one request; more get 413 (default ${DEFAULT-VALUE}).")
    int maxLines;

    @Mixin
    TopicPrefixOption topicPrefix;

    @Override
    public Integer call() throws InterruptedException {
        UsageException.require(maxBodyBytes >= 1024 && maxBodyBytes <= 1L << 30, "--max-body-bytes",
                "must be 1024..1073741824, got " + maxBodyBytes);
        UsageException.require(maxLines >= 1, "--max-lines", "must be positive, got " + maxLines);
        this.http.requireServer("kpipe ingest");
        String token = SecretFile.read(tokenFile, "--ingest-token-file");
        this.http.endpoint().requireTokenBeyondLoopback(token);
        var kafka = connection.connection();
        String topic = Topics.withPrefix(topicPrefix.prefix).points().name();
        try (Admin admin = Connectivity.admin(kafka)) {
            Connectivity.requireTopics(admin, kafka, java.util.Map.of(topic, AclOperation.WRITE));
        }
        Resources resources = new Resources();
        Metrics metrics = resources.add(new Metrics());
        HttpService http = this.http.start(resources, metrics);
        IngestApi ingest = resources.add(IngestApi.on(http, kafka, topic, token,
                new IngestApi.Limits(maxBodyBytes, maxLines), null));
        metrics.bind(ingest.producer()).ingest(ingest);
        var err = spec.commandLine().getErr();
        err.println("ingest: POST " + http.url() + "/ingest -> " + topic + (token == null ? "" : " (bearer token required)")
                + "; metrics " + http.url() + "/metrics; Ctrl-C to stop");
        err.flush();
        long last = 0;
        while (true) {
            Thread.sleep(10_000);
            long now = ingest.accepted();
            spec.commandLine().getOut().printf(Locale.ROOT, "ingested %,d points (%,.0f/s), rejected lines %,d, requests %,d%n",
                    now, (now - last) / 10.0, ingest.rejected(), ingest.requests());
            spec.commandLine().getOut().flush();
            last = now;
        }
    }
}
