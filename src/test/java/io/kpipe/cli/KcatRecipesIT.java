package io.kpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.process.PointProcessor;
import io.kpipe.process.ProcessingStats;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's kcat recipes, run with the real kcat (librdkafka, not Java) against kpipe's cluster
 * and processor. Skipped, saying so, where kcat is not installed ({@code .ci/run} installs it).
 */
@Tag("integration")
@Timeout(120)
@ExtendWith(SharedCluster.class)
class KcatRecipesIT {
    @TempDir
    Path state;


    private static String kcat(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("kcat"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kcat " + String.join(" ", args)).isZero();
        return out;
    }

    @Test
    void shouldProduceWithKcatAndReadAggregatesAlertsAndDeadLettersWithKcat(LocalCluster cluster) throws Exception {
        Assumptions.assumeTrue(Pipelines.kcatInstalled(), "kcat is not installed (apt-get install kcat); the README's kcat recipes are not checked here");
        String b = cluster.bootstrapServers();
        String prefix = SharedCluster.unique("kcat-");
        KafkaConnection kafka = KafkaConnection.of(b);
        Pipelines.createTopics(kafka, prefix, 3);
        // README: printf 's-1:{"sensor":"s-1","site":"plant-a","unit":"C","max":21}\n' | kcat -P -b ... -t devices -K:
        kcat("s-1:{\"sensor\":\"s-1\",\"site\":\"plant-a\",\"unit\":\"C\",\"max\":21}\n",
                "-P", "-b", b, "-t", prefix + "devices", "-K:");
        try (PointProcessor p = PointProcessor.start(ProcessorConfig.defaults(kafka, prefix, state, 1), new ProcessingStats())) {
            // README: printf 's-1:{"sensor":"s-1","value":20.5}\ns-1:s-1,,21.5\n' | kcat -P -b ... -t points -K:
            kcat("s-1:{\"sensor\":\"s-1\",\"value\":20.5}\ns-1:s-1,,21.5\nnokey\n",
                    "-P", "-b", b, "-t", prefix + "points", "-K:");

            // README: kcat -C -b ... -t points-agg-1m -e -X isolation.level=read_committed -f '%k %s\n'
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                    kcat(null, "-C", "-b", b, "-t", prefix + "points-agg-1m", "-e", "-X", "isolation.level=read_committed",
                            "-f", "%k %s\\n").contains("\"sum\":42.0"));
            String aggregates = kcat(null, "-C", "-b", b, "-t", prefix + "points-agg-1m", "-e", "-X",
                    "isolation.level=read_committed", "-f", "%k %s\\n");
            String last = aggregates.lines().reduce((x, y) -> y).orElseThrow();
            assertThat(last).matches("s-1@\\S+Z \\{\"sensor\":\"s-1\",\"site\":\"plant-a\",\"unit\":\"C\",.*\"count\":2,"
                    + "\"sum\":42\\.0,\"min\":20\\.5,\"max\":21\\.5,.*");

            // README: kcat -C -b ... -t alerts -e -X isolation.level=read_committed -f '%k %s\n'
            String alerts = kcat(null, "-C", "-b", b, "-t", prefix + "alerts", "-e", "-X", "isolation.level=read_committed",
                    "-f", "%k %s\\n");
            assertThat(alerts.lines().toList()).hasSize(1);
            assertThat(alerts).matches("s-1 \\{\"sensor\":\"s-1\",\"site\":\"plant-a\",\"rule\":\"max\",\"value\":21\\.5,"
                    + "\"threshold\":21\\.0,\"ts\":\\d+\\}\n");

            // README: kcat -C -b ... -t points-dlq -e -f '%k %s | %h\n'
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    !kcat(null, "-C", "-b", b, "-t", prefix + "points-dlq", "-e", "-f", "%k %s | %h\\n").isBlank());
            String dead = kcat(null, "-C", "-b", b, "-t", prefix + "points-dlq", "-e", "-f", "%k %s | %h\\n");
            assertThat(dead.lines().toList()).hasSize(1);
            assertThat(dead).startsWith(" nokey | ").contains("error=missing key: points must be keyed by sensor id")
                    .contains("error.type=invalid");
        }
    }
}
