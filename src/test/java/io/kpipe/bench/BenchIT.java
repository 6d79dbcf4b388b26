package io.kpipe.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kpipe.chaos.ChaosSpec;
import io.kpipe.config.BenchConfig;
import io.kpipe.config.ProcessorConfig.Guarantee;
import io.kpipe.config.SecurityMode;
import io.kpipe.run.RunSummary;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The harness on short real runs at small rates: its search, its judgement and its files. No speed is asserted. */
@Tag("integration")
@Timeout(300)
class BenchIT {
    @TempDir
    Path dir;

    @Test
    void shouldSearchRatesUpToTheLimitAndWriteReconciledResults() throws Exception {
        BenchConfig c = BenchConfig.builder()
                .scenario(BenchConfig.Scenario.MAX)
                .guarantee(Guarantee.AT_LEAST_ONCE)
                .brokers(1)
                .partitions(3)
                .threads(1)
                .sensors(200)
                .rate(1)
                .duration(Duration.ofSeconds(5))
                .warmup(Duration.ofSeconds(1))
                .window(Duration.ofSeconds(3))
                .startRate(4_000)
                .step(4_000)
                .maxRate(8_000)
                .repeat(1)
                .yardstickRecords(20_000)
                .outDir(dir)
                .build();

        BenchResult r = new Benchmark(c, new PrintWriter(new StringWriter())).run();
        Report.write(r, dir);

        JsonNode j = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertThat(j.get("scenario").asText()).isEqualTo("max");
        assertThat(j.get("valid").asBoolean()).isTrue();
        assertThat(j.get("lost").asLong()).isZero();
        assertThat(j.get("duplicated").asLong()).isZero();
        JsonNode trials = j.get("repeats").get(0).get("trials");
        assertThat(trials).hasSize(2);
        assertThat(trials.get(0).get("rate").asLong()).isEqualTo(4_000);
        assertThat(trials.get(1).get("rate").asLong()).isEqualTo(8_000);
        for (JsonNode t : trials) {
            JsonNode s = t.get("summary");
            assertThat(t.get("judgement").get("kept_up").asBoolean()).isTrue();
            assertThat(s.get("aggregated").asLong() + s.get("late").asLong()).isEqualTo(s.get("produced_valid").asLong());
            assertThat(s.get("dlq").asLong()).isEqualTo(s.get("produced_invalid").asLong());
            assertThat(t.get("timeline").size()).isGreaterThanOrEqualTo(4);
        }
        assertThat(j.get("points_per_s").get("median").asDouble()).isEqualTo(8_000.0);
        double yard = j.get("yardstick_records_per_s").get("median").asDouble();
        assertThat(yard).isPositive();
        assertThat(j.get("ratio_to_yardstick").asDouble()).isEqualTo(8_000.0 / yard);
        assertThat(j.get("machine").get("cores").asInt()).isEqualTo(Runtime.getRuntime().availableProcessors());
        String html = Files.readString(dir.resolve("report.html"));
        assertThat(html).contains("uPlot").contains("\"timeline\"").contains("<h1>kpipe bench: max</h1>");
        assertThat(Files.readString(dir.resolve("table.md")))
                .contains("| max | at_least_once | 1 | 8,000 (8,000-8,000) | 0.03 |");
    }

    @Test
    void shouldRunTheSameSteadyRateOnAPlaintextAndASecuredClusterAndCompareThem() throws Exception {
        BenchConfig c = BenchConfig.builder()
                .scenario(BenchConfig.Scenario.STEADY)
                .guarantee(Guarantee.EXACTLY_ONCE_V2)
                .brokers(1)
                .partitions(3)
                .threads(1)
                .sensors(200)
                .rate(5_000)
                .duration(Duration.ofSeconds(5))
                .warmup(Duration.ofSeconds(1))
                .window(Duration.ofSeconds(3))
                .startRate(1)
                .step(1)
                .repeat(1)
                .yardstickRecords(20_000)
                .outDir(dir)
                .security(List.of(SecurityMode.PLAINTEXT, SecurityMode.SASL_SSL))
                .build();

        StringWriter log = new StringWriter();
        BenchResult r = new Benchmark(c, new PrintWriter(log, true)).run();
        Report.write(r, dir);

        // Each arm: its own fresh cluster, one trial at 5,000/s, reconciled exactly.
        assertThat(r.arms()).extracting(BenchResult::security).containsExactly("plaintext", "sasl_ssl");
        assertThat(r.arms()).allSatisfy(arm -> {
            assertThat(arm.valid()).as(log.toString()).isTrue();
            assertThat(arm.lost()).isZero();
            assertThat(arm.duplicated()).isZero();
            assertThat(arm.repeats()).singleElement().satisfies(rep -> {
                assertThat(rep.security()).isEqualTo(arm.security());
                assertThat(rep.trials()).singleElement().satisfies(t -> {
                    assertThat(t.rate()).isEqualTo(5_000);
                    assertThat(t.summary().ok()).isTrue();
                    assertThat(t.summary().aggregated() + t.summary().late()).isEqualTo(t.summary().producedValid());
                });
                assertThat(arm.pointsPerS()).isEqualTo(new BenchResult.Stats(rep.pointsPerS(), rep.pointsPerS(), rep.pointsPerS()));
            });
            assertThat(arm.yardstick()).isNull();
            assertThat(arm.latencyP99Ms()).isNotNull();
            // Steady state needs 10 steady seconds while sending; 5 s trials cannot have them.
            assertThat(arm.neverSteady()).isEqualTo(1);
            assertThat(arm.steadyFromS()).isNull();
        });
        assertThat(log.toString()).contains("== steady, repeat 1 of 1, plaintext").contains("== steady, repeat 1 of 1, sasl_ssl");
        assertThat(r.settings()).containsEntry("security", List.of("plaintext", "sasl_ssl"));
        String table = Files.readString(dir.resolve("table.md"));
        assertThat(table).contains("| steady 5,000/s | exactly_once_v2 | 1 |").contains("| steady sasl_ssl 5,000/s | exactly_once_v2 | 1 |")
                .contains(String.format(java.util.Locale.ROOT, "sasl_ssl / plaintext: points/s %.2f",
                        r.compared().pointsPerS().median() / r.pointsPerS().median()));
        JsonNode j = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertThat(j.get("security").asText()).isEqualTo("plaintext");
        assertThat(j.get("compared").get("security").asText()).isEqualTo("sasl_ssl");
        assertThat(j.get("compared").get("repeats").get(0).get("trials")).hasSize(1);
    }

    @Test
    void shouldRunChildProcessorsWithFaultsAndReportTheTimeToRecover() throws Exception {
        BenchConfig c = BenchConfig.builder()
                .scenario(BenchConfig.Scenario.STEADY)
                .guarantee(Guarantee.EXACTLY_ONCE_V2)
                .brokers(1)
                .partitions(4)
                .threads(1)
                .sensors(200)
                .rate(5_000)
                .duration(Duration.ofSeconds(10))
                .warmup(Duration.ofSeconds(1))
                .window(Duration.ofSeconds(3))
                .startRate(1)
                .step(1)
                .repeat(1)
                .yardstickRecords(20_000)
                .outDir(dir)
                .processors(2)
                .chaos(ChaosSpec.parse("kill-processor:2@4s"))
                .build();

        StringWriter log = new StringWriter();
        BenchResult r = new Benchmark(c, new PrintWriter(log, true)).run();
        Report.write(r, dir);

        assertThat(r.valid()).as(log.toString()).isTrue();
        assertThat(r.lost()).isZero();
        assertThat(r.duplicated()).isZero();
        RunSummary s = r.repeats().get(0).trials().get(0).summary();
        assertThat(s.processors()).isEqualTo(2);
        assertThat(s.chaos()).singleElement().satisfies(d -> {
            assertThat(d.event()).isEqualTo("kill-processor:2@4s");
            assertThat(d.error()).isNull();
            assertThat(d.recoveredAfterS()).isNotNull();   // drained at the end, so recovered by then
        });
        assertThat(r.recoveredAfterS().median()).isEqualTo(s.chaos().get(0).recoveredAfterS());
        assertThat(r.neverRecovered()).isZero();
        assertThat(r.settings()).containsEntry("processors", 2).containsEntry("chaos", List.of("kill-processor:2@4s"));
        assertThat(Files.readString(dir.resolve("report.html"))).contains("first 2 min: lag (points)");
    }
}
