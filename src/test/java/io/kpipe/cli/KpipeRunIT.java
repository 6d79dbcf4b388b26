package io.kpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The main job, as the README tells users to run it: local cluster, generator, processor, reconciliation. */
@Tag("integration")
@Timeout(240)
class KpipeRunIT {
    @TempDir
    Path dir;

    @Test
    void shouldRunTheWholePipelineAndReconcileWithNothingLost() throws Exception {
        Path json = dir.resolve("summary.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int code = Main.execute(new String[] {"run", "--duration", "6s", "--rate", "25k", "--sensors", "2000",
                        "--invalid-ratio", "0.01", "--late-ratio", "0.005", "--summary-json", json.toString(),
                        "--http-port", "0"},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(text).isZero();
        assertThat(text).containsPattern("(?m)^bootstrap\\.servers=127\\.0\\.0\\.1:\\d+$")
                .containsPattern("(?m)^\\[ +3s/6s\\] in ")
                .contains("lost 0, duplicated 0 (windows checked one by one: 0 wrong): OK");
        JsonNode s = new ObjectMapper().readTree(json.toFile());
        long produced = s.get("produced").asLong();
        // At most what --rate allows over --duration (25k x 6 s, with room for the limiter's burst);
        // how close it came is the bench's to measure.
        assertThat(produced).isPositive().isLessThanOrEqualTo(160_000L);
        assertThat(s.get("produced_valid").asLong() + s.get("produced_invalid").asLong()).isEqualTo(produced);
        assertThat(s.get("aggregated").asLong() + s.get("late").asLong()).isEqualTo(s.get("produced_valid").asLong());
        assertThat(s.get("dlq").asLong()).isEqualTo(s.get("produced_invalid").asLong()).isPositive();
        assertThat(s.get("late").asLong()).isPositive();
        assertThat(s.get("lost").asLong()).isZero();
        assertThat(s.get("duplicated").asLong()).isZero();
        assertThat(s.get("windows_wrong").asLong()).isZero();
        assertThat(s.get("chaos")).isEmpty();
        assertThat(s.get("processors").asInt()).isZero();
        // The embedded PostgreSQL sink holds every window with its exact count, and every alert.
        assertThat(text).containsPattern("(?m)^postgres: jdbc:postgresql://127\\.0\\.0\\.1:\\d+/postgres \\(user postgres, "
                + "password in /\\S+/postgres\\.password\\); psql: PGPASSFILE=/\\S+/postgres\\.pgpass "
                + "psql -h 127\\.0\\.0\\.1 -p \\d+ -U postgres postgres$");
        assertThat(text).containsPattern("(?m)^HTTP: (http://127\\.0\\.0\\.1:\\d+) \\(dashboard\\), \\1/metrics, POST \\1/ingest, "
                + "\\1/api/sensors/\\{id\\}$");
        assertThat(s.get("sink_rows").asLong()).isEqualTo(s.get("windows").asLong()).isPositive();
        assertThat(s.get("sink_count_sum").asLong()).isEqualTo(s.get("aggregated").asLong());
        assertThat(s.get("sink_alerts").asLong()).isEqualTo(s.get("alerts").asLong()).isPositive();
        assertThat(s.get("drained").asBoolean()).isTrue();
        assertThat(s.get("brokers").asInt()).isEqualTo(1);
        assertThat(s.get("partitions").asInt()).isEqualTo(12);
        assertThat(s.get("guarantee").asText()).isEqualTo("exactly_once_v2");
        assertThat(s.get("throughput_per_s").asDouble()).isPositive();
        assertThat(s.get("latency_ms").fieldNames()).toIterable().containsExactly("p50", "p99", "p999", "max");
        assertThat(s.get("duration_s").asDouble()).isGreaterThanOrEqualTo(6.0);
        // Steady state needs 10 steady seconds while sending: a 6 s run cannot have them, however fast.
        assertThat(s.get("steady_from_s").isNull()).isTrue();
        assertThat(s.get("latency_steady_ms").isNull()).isTrue();
        assertThat(s.get("machine_cpu_busy").asDouble()).isBetween(0.0, 1.0);
        assertThat(text).contains("  steady      never (lag under 1 s of data and p99 under 500 ms for 10 s in a row)")
                .containsPattern("(?m)^  headroom    the machine's CPU was \\d+% busy while sending: \\d+% left$");
    }
}
