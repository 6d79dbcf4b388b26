package io.kpipe.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kpipe.config.BenchConfig;
import io.kpipe.config.ProcessorConfig.Guarantee;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A soak in miniature (30 s at 5,000 points/s, one broker, one processor child JVM): the files
 * carry every series of the soak, with samples of every JVM, and the criteria. No speed and no
 * verdict that depends on the machine is asserted.
 */
@Tag("integration")
@Timeout(300)
class SoakIT {
    private static final List<String> JVMS = List.of("kpipe", "broker-1", "processor-1");

    @TempDir
    Path dir;

    @Test
    void shouldChartAndJudgeEveryResourceOfEveryJvmOverTheWholeRun() throws Exception {
        BenchConfig c = BenchConfig.builder()
                .scenario(BenchConfig.Scenario.SOAK)
                .guarantee(Guarantee.EXACTLY_ONCE_V2)
                .brokers(1)
                .partitions(3)
                .threads(1)
                .sensors(200)
                .rate(5_000)
                .duration(Duration.ofSeconds(30))
                .warmup(Duration.ofSeconds(5))
                .window(Duration.ofSeconds(3))
                .startRate(1)
                .step(1)
                .repeat(1)
                .yardstickRecords(20_000)
                .outDir(dir)
                .processors(1)
                .build();
        StringWriter log = new StringWriter();

        BenchResult r = new Benchmark(c, new PrintWriter(log, true)).run();
        Report.write(r, dir);

        assertThat(r.valid()).as(log.toString()).isTrue();
        JsonNode j = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertThat(j.get("scenario").asText()).isEqualTo("soak");
        assertThat(j.get("settings").get("sample_every_s").asLong()).isEqualTo(5);
        JsonNode trial = j.get("repeats").get(0).get("trials").get(0);
        assertThat(trial.get("timeline").size()).isGreaterThanOrEqualTo(30);
        for (String name : List.of("in_per_s", "out_per_s", "lag", "p50_ms", "p99_ms")) {
            assertThat(trial.get("timeline").get(0).has(name)).as(name).isTrue();
        }
        JsonNode soak = trial.get("soak");
        JsonNode minute1 = soak.get("minutes").get(0);
        assertThat(minute1.get("minute").asLong()).isEqualTo(1);
        assertThat(minute1.get("points").asLong()).isPositive();
        assertThat(minute1.get("p99_ms").asLong()).isGreaterThanOrEqualTo(minute1.get("p50_ms").asLong());

        JsonNode res = soak.get("resources");
        int n = res.get("t_s").size();
        assertThat(n).isGreaterThanOrEqualTo(7);   // 0, 5, ..., 30 s, and one at the end of the drain
        assertThat(res.get("t_s").get(0).asLong()).isZero();
        assertThat(names(res.get("jvms"))).containsExactlyElementsOf(JVMS);
        for (String jvm : JVMS) {
            JsonNode s = res.get("jvms").get(jvm);
            for (String series : List.of("rss_bytes", "open_fds")) {
                assertThat(values(s.get(series))).as(jvm + " " + series).hasSize(n).doesNotContainNull()
                        .allSatisfy(v -> assertThat(v).isPositive());
            }
            // Each child writes its figures every 2 s from its start, before the sending begins.
            assertThat(values(s.get("gc_pause_ms")).subList(1, n)).as(jvm + " gc_pause_ms").doesNotContainNull();
            assertThat(values(s.get("heap_after_gc_bytes")).get(n - 1)).as(jvm + " heap_after_gc_bytes").isPositive();
            // Asked for a full collection every 5 s (a sixth of the 30 s), each JVM has answered.
            assertThat(values(s.get("live_bytes"))).as(jvm + " live_bytes").hasSize(n)
                    .anySatisfy(v -> assertThat(v).isNotNull().isPositive());
        }
        assertThat(names(res.get("disk_bytes"))).containsExactly("broker-1");
        assertThat(values(res.get("disk_bytes").get("broker-1"))).hasSize(n).doesNotContainNull();

        List<String> criteria = new ArrayList<>();
        soak.get("criteria").forEach(x -> criteria.add(x.get("name").asText()));
        assertThat(criteria).containsExactly("lost", "duplicated", "p99 per minute", "live heap flat", "RSS flat",
                "disk bounded");
        assertThat(soak.get("criteria").get(0).get("verdict").asText()).isEqualTo("pass");
        assertThat(soak.get("criteria").get(1).get("verdict").asText()).isEqualTo("pass");
        assertThat(soak.get("criteria").get(2).get("verdict").asText()).isEqualTo("not judged");
        for (int i = 3; i < 6; i++) {   // 10-20 s against 20-30 s: judged, whichever way
            assertThat(soak.get("criteria").get(i).get("verdict").asText()).isIn("pass", "fail");
        }
        // Every JVM's live heap was compared: each answered the requests in both windows.
        assertThat(soak.get("criteria").get(3).get("detail").asText()).contains("kpipe ", "broker-1 ", "processor-1 ")
                .doesNotContain("no full collection");
        assertThat(soak.get("passed").asBoolean()).isFalse();   // a minute of p99 could not be judged
        assertThat(log.toString()).contains("soak: lost                 pass       0",
                "soak: p99 per minute       not judged no whole minute of sending after the warm-up");

        String html = Files.readString(dir.resolve("report.html"));
        assertThat(html).contains("<h1>kpipe bench: soak</h1>", "soakCharts(root, box, tr)");
        SoakReport.CHARTS.forEach(title -> assertThat(html).contains("'" + title + "'"));
        SoakReport.SERIES.forEach(series -> assertThat(html).contains("\"" + series + "\""));
        String table = Files.readString(dir.resolve("table.md"));
        assertThat(table).contains("| soak repeat | points | lost | dup |");
        assertThat(table.lines().filter(l -> l.startsWith("| 1 | ")).toList()).singleElement()
                .satisfies(l -> assertThat(l).contains("kpipe ", "broker-1 ", "processor-1 ", "| 0 | 0 |"));
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<Long> values(JsonNode array) {
        List<Long> v = new ArrayList<>();
        array.forEach(x -> v.add(x.isNull() ? null : x.asLong()));
        return v;
    }
}
