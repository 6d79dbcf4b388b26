package io.kpipe.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What the Spark processor is told by kpipe, in one Java properties file that only its owner can
 * read (kpipe writes it 0600; Kafka client secrets may be in it): topics, the window rules, the
 * trigger, the cores, the checkpoint, and every Kafka client setting as {@code kafka.<name>}.
 *
 * @param windowMs    tumbling window size
 * @param graceMs     the watermark delay: a window closes when the watermark passes its end
 * @param maxFutureMs how far an event time may be ahead of its record timestamp or the clock
 * @param triggerMs   micro-batch interval (kpipe's --commit-interval)
 * @param cores       local[N] and the shuffle partitions
 * @param kafka       Kafka client settings, bootstrap.servers included
 */
public record SparkSettings(String applicationId, String pointsTopic, String devicesTopic, String aggregatesTopic,
                            String deadLettersTopic, long windowMs, long graceMs, long maxFutureMs, long triggerMs,
                            int cores, String checkpointDir, Map<String, String> kafka) implements Serializable {
    private static final long serialVersionUID = 1L;
    static final String KAFKA = "kafka.";

    public SparkSettings {
        kafka = Map.copyOf(kafka);
        if (windowMs <= 0 || graceMs < 0 || maxFutureMs < 0 || triggerMs <= 0 || cores < 1) {
            throw new IllegalArgumentException("bad settings: window " + windowMs + " ms, grace " + graceMs
                    + " ms, max future " + maxFutureMs + " ms, trigger " + triggerMs + " ms, cores " + cores);
        }
        if (!kafka.containsKey("bootstrap.servers")) {
            throw new IllegalArgumentException("bad settings: kafka.bootstrap.servers is missing");
        }
    }

    public static SparkSettings read(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        Map<String, String> kafka = new TreeMap<>();
        for (String name : p.stringPropertyNames()) {
            if (name.startsWith(KAFKA)) {
                kafka.put(name.substring(KAFKA.length()), p.getProperty(name));
            }
        }
        return new SparkSettings(required(p, "application.id"), required(p, "topic.points"),
                required(p, "topic.devices"), required(p, "topic.aggregates"), required(p, "topic.dead.letters"),
                Long.parseLong(required(p, "window.ms")), Long.parseLong(required(p, "grace.ms")),
                Long.parseLong(required(p, "max.future.ms")), Long.parseLong(required(p, "trigger.ms")),
                Integer.parseInt(required(p, "cores")), required(p, "checkpoint.dir"), kafka);
    }

    private static String required(Properties p, String name) {
        String v = p.getProperty(name);
        if (v == null) {
            throw new IllegalArgumentException("bad settings: " + name + " is missing");
        }
        return v;
    }

    /** Kafka client settings as Spark's Kafka source and sink take them: each prefixed with {@code kafka.}. */
    Map<String, String> sparkKafkaOptions() {
        Map<String, String> out = new TreeMap<>();
        kafka.forEach((k, v) -> out.put(KAFKA + k, v));
        return out;
    }

    /** Printable: values of settings that look secret are hidden. */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        kafka.forEach((k, v) -> shown.put(k, k.contains("password") || k.contains("jaas") || k.contains("secret")
                ? "[hidden]" : v));
        return "SparkSettings[" + applicationId + ", points " + pointsTopic + ", window " + windowMs + " ms, grace "
                + graceMs + " ms, trigger " + triggerMs + " ms, local[" + cores + "], checkpoint " + checkpointDir
                + ", kafka " + shown + "]";
    }
}
