package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunSummaryTest {
    @TempDir
    Path dir;

    private static RunSummary.Builder aRun() {
        return RunSummary.builder().produced(1000).producedValid(990).producedInvalid(10).sendFailed(0)
                .aggregated(990).windows(20).dlq(10).late(0).lost(0).duplicated(0).windowsWrong(0).drained(true)
                .durationS(12.0).throughputPerS(83).latencyMs(new RunSummary.Latency(40, 900, 1200, 1500))
                .brokers(1).partitions(12).guarantee("exactly_once_v2").threads(2).sensors(10).rateTarget("333333")
                .processors(0).standbys(0).chaos(List.of()).alerts(0).ingested(0).setAside(RunSummary.SetAside.NONE);
    }

    @Test
    void shouldSayWhenTheRunTurnedSteadyItsLatencyFromThenOnAndTheHeadroom() throws Exception {
        RunSummary s = aRun().pace(new RunSummary.Pace(7L, new RunSummary.Latency(20, 180, 300, 410), 0.62, 0L)).build();
        assertThat(s.describe().lines())
                .contains("  latency     p50 40 ms, p99 900 ms, p99.9 1200 ms, max 1500 ms (sent -> aggregated)",
                        "  steady      from 7 s: p50 20 ms, p99 180 ms, p99.9 300 ms, max 410 ms",
                        "  headroom    the machine's CPU was 62% busy while sending: 38% left");
        Path json = dir.resolve("s.json");
        s.writeJson(json);
        JsonNode n = new ObjectMapper().readTree(Files.readString(json));
        assertThat(n.get("steady_from_s").asLong()).isEqualTo(7);
        assertThat(n.get("latency_steady_ms").get("p99").asLong()).isEqualTo(180);
        assertThat(n.get("machine_cpu_busy").asDouble()).isEqualTo(0.62);
    }

    @Test
    void shouldSayHowManyPointsTheGeneratorGaveUpWhenItFellBehindItsSchedule() throws Exception {
        RunSummary s = aRun().pace(new RunSummary.Pace(7L, new RunSummary.Latency(20, 180, 300, 410), 0.62, 41_250L))
                .build();
        assertThat(s.describe().lines()).anySatisfy(line -> assertThat(line).endsWith(
                "; send failed 0; behind schedule at the end, not sent 41,250 (the generator catches up at most 10% above the rate)"));
        Path json = dir.resolve("s.json");
        s.writeJson(json);
        assertThat(new ObjectMapper().readTree(Files.readString(json)).get("generator_not_sent").asLong())
                .isEqualTo(41_250);
    }

    @Test
    void shouldSayWhenTheRunNeverTurnedSteady() throws Exception {
        RunSummary s = aRun().build();
        assertThat(s.describe().lines())
                .contains("  steady      never (lag under 1 s of data and p99 under 500 ms for 10 s in a row)",
                        "  headroom    unknown (no /proc/stat)");
        Path json = dir.resolve("s.json");
        s.writeJson(json);
        JsonNode n = new ObjectMapper().readTree(Files.readString(json));
        assertThat(n.get("steady_from_s").isNull()).isTrue();
        assertThat(n.get("latency_steady_ms").isNull()).isTrue();
    }

    @Test
    void shouldCountWindowsStillOpenInFinalModeAndCheckTheSinkAgainstTheTopicOnly() throws Exception {
        // 20 windows with 990 points: 15 on the topic (700 points), 5 still open (290 points).
        RunSummary s = aRun().emitted(new RunSummary.Emitted("final", 5, 290, 0))
                .sink(new RunSummary.Sink(15, 700, 0, 15, 0, 0, 0, 0)).build();

        assertThat(s.ok()).isTrue();
        assertThat(s.describe().lines()).contains("  emit        final: 15 windows on points-agg-1m, each once; 5 windows "
                + "(290 points) still open at the end, read from the processor's state");
        Path json = dir.resolve("s.json");
        s.writeJson(json);
        JsonNode n = new ObjectMapper().readTree(Files.readString(json));
        assertThat(n.get("emit").asText()).isEqualTo("final");
        assertThat(n.get("open_windows").asLong()).isEqualTo(5);
        assertThat(n.get("open_aggregated").asLong()).isEqualTo(290);
        assertThat(n.get("windows_emitted_twice").asLong()).isZero();
    }

    @Test
    void shouldFailAFinalModeRunThatEmittedAWindowTwiceUnderExactlyOnce() {
        RunSummary twice = aRun().emitted(new RunSummary.Emitted("final", 0, 0, 1)).build();
        RunSummary twiceAtLeastOnce = aRun().guarantee("at_least_once").emitted(new RunSummary.Emitted("final", 0, 0, 1))
                .build();

        assertThat(twice.ok()).isFalse();
        assertThat(twice.describe()).contains("(NOT ONCE: 1 windows emitted twice)").endsWith(": FAILED");
        assertThat(twiceAtLeastOnce.ok()).as("at-least-once may emit a window again after a crash").isTrue();
    }

    @Test
    void shouldSayNothingOfEmitModesInUpdatesMode() {
        assertThat(aRun().build().describe()).doesNotContain("emit");
    }
}
