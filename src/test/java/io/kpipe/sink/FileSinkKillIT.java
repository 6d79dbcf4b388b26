package io.kpipe.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kpipe.cli.Main;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.KafkaConnection;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import io.kpipe.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kpipe sink files} as users run it, in its own JVM, SIGKILLed again and again at random
 * points of its progress while it rolls a file every few lines (so kills land inside every step of
 * write, fsync, commit, link, delete), and restarted each time. In the end every record is in
 * exactly one completed {@code *.ndjson} file.
 */
@Tag("integration")
@Timeout(300)
@ExtendWith(SharedCluster.class)
class FileSinkKillIT {
    private static final int KILLS = 8;

    @TempDir
    Path tmp;

    @Test
    void shouldHaveEveryCommittedRecordExactlyOnceInCompletedFilesAfterRepeatedSigkills(LocalCluster cluster)
            throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("files-kill-");
        Pipelines.createTopics(kafka, prefix, 3);
        String topic = Topics.withPrefix(prefix).aggregates().name();
        List<String> sent = SinkFiles.produceInTransactions(kafka, topic, 6000, 200);
        String group = prefix + "files";
        Path dir = Files.createDirectories(tmp.resolve("out"));
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String why = "seed " + seed + ", logs in " + tmp;

        int partsLeft = 0;
        try (Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
            long end = SinkFiles.behindEnd(admin, group, topic).values().stream().mapToLong(Long::longValue).sum();
            for (int kill = 0; kill < KILLS; kill++) {
                long from = SinkFiles.committedTotal(admin, group, topic);
                assertThat(from).as("the sink finished before the kills did; " + why).isLessThan(end);
                // Somewhere in what is left, so that every kill finds the sink mid-stream.
                long target = from + 1 + (long) (random.nextDouble() * Math.max(1, (end - from) / (KILLS - kill + 1)));
                Process sink = start(kafka, prefix, dir, group, kill);
                try {
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                            .until(() -> !sink.isAlive() || SinkFiles.committedTotal(admin, group, topic) >= target);
                    assertThat(sink.isAlive()).as(why).isTrue();
                } finally {
                    sink.destroyForcibly();   // SIGKILL
                    sink.waitFor(30, TimeUnit.SECONDS);
                }
                partsLeft += (int) SinkFiles.list(dir).stream().filter(f -> f.toString().endsWith(".part")).count();
            }

            // Once more, until the group is at the end and the killed sink's files are finished; then
            // stopped with SIGTERM, as Ctrl-C does.
            List<Path> leftBehind = SinkFiles.list(dir).stream().filter(f -> f.toString().endsWith(".part")).toList();
            Process sink = start(kafka, prefix, dir, group, KILLS);
            try {
                await().atMost(Duration.ofSeconds(120)).until(() ->
                        SinkFiles.behindEnd(admin, group, topic).values().stream().allMatch(b -> b == 0)
                                && leftBehind.stream().noneMatch(Files::exists));
            } finally {
                sink.destroy();
                assertThat(sink.waitFor(30, TimeUnit.SECONDS)).as(why).isTrue();
                sink.destroyForcibly();
            }
        }

        assertThat(partsLeft).as("kills that left a file being written; " + why).isPositive();
        assertThat(SinkFiles.list(dir)).as(why).allMatch(f -> f.getFileName().toString().endsWith(".ndjson"));
        List<String> read = SinkFiles.completedLines(dir);
        assertThat(SinkFiles.repeated(read)).as(why).isEmpty();
        assertThat(read).as(why).containsExactlyInAnyOrderElementsOf(sent);
    }

    /** {@code kpipe sink files} in a JVM of its own; one static member, so a restart takes over at once. */
    private Process start(KafkaConnection kafka, String prefix, Path dir, String group, int run) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "sink", "files", "--bootstrap-servers", kafka.bootstrapServers(),
                "--topic-prefix", prefix, "--dir", dir.toString(), "--max-bytes", "1024", "--group", group,
                "--http-port", "0", "-X", "group.instance.id=" + group + "-1"));
        Path log = tmp.resolve("sink-" + run + ".log");
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
