package io.kpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.KafkaConnection;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import io.kpipe.topics.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code kpipe produce --file}: exact counts, the rejected lines by number, the exit code. */
@Tag("integration")
@Timeout(180)
@ExtendWith(SharedCluster.class)
class ProduceCommandIT {
    @TempDir
    Path dir;

    private record Outcome(int code, String out) {}

    private Outcome produce(LocalCluster cluster, String prefix, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] all = new String[args.length + 4];
        all[0] = "produce";
        all[1] = "--bootstrap-servers=" + cluster.bootstrapServers();
        all[2] = "--topic-prefix=" + prefix;
        all[3] = "--rate=max";
        System.arraycopy(args, 0, all, 4, args.length);
        int code = Main.execute(all, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        return new Outcome(code, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldSendEveryGoodLineListTheBadOnesByNumberAndExitOne(LocalCluster cluster) throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("replay-");
        Pipelines.createTopics(kafka, prefix, 3);
        // 1,000 lines, a header and three bad ones among them; auto-detected per line (CSV and JSON mixed).
        StringBuilder b = new StringBuilder("sensor,ts,value\n");
        for (int i = 2; i <= 1000; i++) {
            switch (i) {
                case 17 -> b.append("s-17,1764000000000,warm\n");
                case 500 -> b.append("{\"sensor\":\"s-500\",\"value\":1\n");
                case 999 -> b.append("just words\n");
                default -> b.append(i % 2 == 0 ? "s-" + i + ",1764000000000," + i + "\n"
                        : "{\"sensor\":\"s-" + i + "\",\"ts\":1764000000000,\"value\":" + i + "}\n");
            }
        }
        Path file = Files.writeString(dir.resolve("points.txt"), b);

        Outcome o = produce(cluster, prefix, "--file", file.toString());

        assertThat(o.code()).as(o.out()).isEqualTo(1);
        assertThat(o.out()).contains(": 1,000 lines, 996 points accepted, 3 lines rejected, in ")
                .contains("  line 17: CSV field 'value' is not a number: 'warm'\n")
                .containsPattern("  line 500: malformed JSON: .*\n")
                .contains("  line 999: CSV must have 3 fields (sensor,ts,value), got 1\n");
        assertThat(Pipelines.readAll(kafka, Topics.withPrefix(prefix).points().name())).hasSize(996);
    }

    @Test
    void shouldExitZeroWhenEveryLineWasAcceptedAndSayWhenThereAreMoreThanTwentyBadLines(LocalCluster cluster) throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("replay-");
        Pipelines.createTopics(kafka, prefix, 3);
        Path good = Files.writeString(dir.resolve("good.ndjson"), IntStream.range(0, 5000)
                .mapToObj(i -> "{\"sensor\":\"s-" + i % 10 + "\",\"ts\":1764000000000,\"value\":" + i + "}")
                .collect(Collectors.joining("\n")));
        Path bad = Files.writeString(dir.resolve("bad.csv"), IntStream.rangeClosed(1, 25)
                .mapToObj(i -> "s-1,x,1").collect(Collectors.joining("\n", "", "\n")));

        Outcome ok = produce(cluster, prefix, "--file", good.toString());
        Outcome ko = produce(cluster, prefix, "--file", bad.toString(), "--format", "csv");

        assertThat(ok.code()).as(ok.out()).isZero();
        assertThat(ok.out()).contains(": 5,000 lines, 5,000 points accepted, 0 lines rejected");
        assertThat(ko.code()).isEqualTo(1);
        assertThat(ko.out()).contains("  line 20: CSV field 'ts' is not an integer: 'x'\n")
                .doesNotContain("  line 21:").contains("  ... and 5 more rejected lines");
        assertThat(Pipelines.readAll(kafka, Topics.withPrefix(prefix).points().name())).hasSize(5000);
    }
}
