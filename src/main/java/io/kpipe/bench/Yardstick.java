package io.kpipe.bench;

import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.Role;
import io.kpipe.generate.Generator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kafka's own {@code org.apache.kafka.tools.ProducerPerformance}, in a JVM of its own, against the
 * same cluster with kpipe's producer settings and record size: the raw produce ceiling.
 */
final class Yardstick {
    /** Key ("s-1234", about 6 bytes) plus the 17-byte binary value. */
    static final int RECORD_SIZE = 23;
    private static final Pattern RESULT = Pattern.compile("^(\\d+) records sent, ([\\d.]+) records/sec.*");

    private Yardstick() {}

    /**
     * Records per second of one run. On a secured cluster it logs in as the producers' principal
     * ({@code source}) from that role's 0600 client file, so no password reaches its command line.
     */
    static double run(LocalCluster cluster, String topic, long records) {
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-Xms1g", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), "org.apache.kafka.tools.ProducerPerformance",
                "--topic", topic, "--num-records", Long.toString(records), "--record-size", Integer.toString(RECORD_SIZE),
                "--throughput", "-1"));
        if (cluster.security() != null) {
            cmd.addAll(List.of("--producer.config", cluster.security().propertiesFile(Role.SOURCE).toString()));
        }
        cmd.addAll(List.of("--producer-props", "bootstrap.servers=" + cluster.bootstrapServers()));
        for (Map.Entry<String, Object> e : Generator.producerTuning().entrySet()) {
            cmd.add(e.getKey() + "=" + e.getValue());
        }
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String last = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (RESULT.matcher(line).matches()) {
                        last = line;
                    }
                }
            }
            int rc = p.waitFor();
            Matcher m = last == null ? null : RESULT.matcher(last);
            if (rc != 0 || m == null || !m.matches()) {
                throw new IllegalStateException("ProducerPerformance failed (exit " + rc + ")");
            }
            return Double.parseDouble(m.group(2));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run ProducerPerformance", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
