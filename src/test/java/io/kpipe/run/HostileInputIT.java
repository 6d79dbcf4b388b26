package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kpipe.cli.Main;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.KafkaConnection;
import io.kpipe.model.DeadLetter;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corpus of hostile records, written with kcat (librdkafka, not Java) into {@code points} while
 * {@code kpipe run} runs: the processor keeps going, every record has its outcome (aggregated, or
 * dead-lettered with its reason), the on-time point next to a far-future one is aggregated, and the
 * run's books balance with the corpus counted as records from another producer.
 */
@Tag("integration")
@Timeout(240)
@ExtendWith(SharedCluster.class)
class HostileInputIT {
    @TempDir
    Path dir;

    /** One record of the corpus and what must become of it: a dead-letter type, or null for aggregated. */
    private record Hostile(byte[] key, byte[] value, String outcome) {
        Hostile(String key, String value, String outcome) {
            this(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), outcome);
        }
    }

    private static List<Hostile> corpus(long now) {
        List<Hostile> c = new ArrayList<>();
        c.add(new Hostile("h-big", "x".repeat(1_500_000), "invalid"));                            // 1.5 MB, lz4 lets it in
        c.add(new Hostile("h-fut", "{\"sensor\":\"h-fut\",\"ts\":" + (now + 7_200_000) + ",\"value\":1}", "future"));
        c.add(new Hostile("h-fut", "{\"sensor\":\"h-fut\",\"value\":2}", null));                  // on time, same partition
        c.add(new Hostile("h-\u0000nul", "h-\u0000nul,,1", "invalid"));
        c.add(new Hostile("h-\u0007bell", "h-\u0007bell,,1", "invalid"));
        c.add(new Hostile(new byte[] {'h', '-', (byte) 0xff, (byte) 0xfe},
                new byte[] {'h', '-', (byte) 0xff, (byte) 0xfe, ',', ',', '1'}, "invalid"));        // not UTF-8
        c.add(new Hostile("h-bom", "\uFEFFh-bom,,2.5", null));
        c.add(new Hostile("h-huge", "{\"sensor\":\"h-huge\",\"value\":1e308}", null));
        c.add(new Hostile("h-huge", "{\"sensor\":\"h-huge\",\"value\":1e308}", "overflow"));      // sum would be 2e308
        c.add(new Hostile("h-huge", "{\"sensor\":\"h-huge\",\"value\":1e400}", "invalid"));
        c.add(new Hostile("", "h-nokey,,1", "invalid"));
        c.add(new Hostile("h-a", "{\"sensor\":\"h-b\",\"value\":1}", "invalid"));
        c.add(new Hostile("h-nest", "{\"sensor\":\"h-nest\",\"value\":1,\"x\":" + "[".repeat(100_000) + "}", "invalid"));
        c.add(new Hostile("h-q,1", "\"h-q,1\",,3.0", null));                                      // RFC 4180 quoting
        return c;
    }

    @Test
    void shouldAccountForEveryHostileRecordAndKeepProcessing(LocalCluster cluster) throws Exception {
        Assumptions.assumeTrue(Pipelines.kcatInstalled(), "kcat is not installed (apt-get install kcat): hostile input from a non-Java client not checked");
        String b = cluster.bootstrapServers();
        String prefix = SharedCluster.unique("hostile-");
        Path json = dir.resolve("summary.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> Main.execute(new String[] {"run",
                "--bootstrap-servers", b, "--topic-prefix", prefix, "--duration", "20s", "--rate", "5k", "--sensors", "500",
                "--invalid-ratio", "0", "--no-sink", "--http-port", "0", "--summary-json", json.toString()}, print, print));
        await().atMost(Duration.ofSeconds(90)).until(() -> run.isDone() || text(out).contains("running for 20s"));

        long now = System.currentTimeMillis();
        List<Hostile> corpus = corpus(now);
        kcatProduce(b, prefix + "points", corpus);
        int code = run.get(180, TimeUnit.SECONDS);

        String text = text(out);
        assertThat(code).as(text).isZero();
        assertThat(text).contains("lost 0, duplicated 0 (windows checked one by one: 0 wrong): OK");
        JsonNode s = new ObjectMapper().readTree(json.toFile());
        assertThat(s.get("external").asLong()).isEqualTo(corpus.size());
        assertThat(s.get("future").asLong()).isEqualTo(1);
        assertThat(s.get("overflow").asLong()).isEqualTo(1);
        assertThat(s.get("dlq").asLong()).isEqualTo(corpus.stream().filter(h -> h.outcome() != null).count());

        KafkaConnection kafka = KafkaConnection.of(b);
        Map<String, Long> deadByType = new HashMap<>();
        Map<String, String> reasons = new LinkedHashMap<>();
        Map<String, String> truncated = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : Pipelines.readAll(kafka, prefix + "points-dlq")) {
            String type = DeadLetter.text(r.headers(), DeadLetter.ERROR_TYPE);
            deadByType.merge(type, 1L, Long::sum);
            reasons.put(r.key() == null ? "(no key)" : new String(r.key(), StandardCharsets.UTF_8).replace("\u0000", "\\0"),
                    DeadLetter.text(r.headers(), DeadLetter.ERROR));
            assertThat(DeadLetter.text(r.headers(), DeadLetter.SOURCE_TOPIC)).isEqualTo(prefix + "points");
            if (DeadLetter.text(r.headers(), DeadLetter.ORIGINAL_SIZE) != null) {
                assertThat(r.value()).hasSize(DeadLetter.MAX_VALUE_BYTES);
                truncated.put(new String(r.key(), StandardCharsets.UTF_8), DeadLetter.text(r.headers(), DeadLetter.ORIGINAL_SIZE));
            }
        }
        assertThat(deadByType).as(reasons.toString()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "invalid", corpus.stream().filter(h -> "invalid".equals(h.outcome())).count(),
                "future", 1L, "overflow", 1L));
        assertThat(truncated).containsExactlyInAnyOrderEntriesOf(Map.of("h-big", "1500000", "h-nest", "100034"));
        assertThat(reasons.get("h-big")).contains("value of 1500000 bytes truncated to 65536");

        Map<String, JsonNode> finalWindows = new HashMap<>();
        ObjectMapper mapper = new ObjectMapper();
        for (ConsumerRecord<byte[], byte[]> r : Pipelines.readAll(kafka, prefix + "points-agg-1m")) {
            JsonNode w = mapper.readTree(r.value());
            if (w.get("sensor").asText().startsWith("h-")) {
                finalWindows.put(w.get("sensor").asText(), w);
            }
        }
        assertThat(finalWindows).containsOnlyKeys("h-fut", "h-bom", "h-huge", "h-q,1");
        assertThat(finalWindows.get("h-fut").get("count").asLong()).isEqualTo(1);
        assertThat(finalWindows.get("h-fut").get("sum").asDouble()).isEqualTo(2.0);
        assertThat(finalWindows.get("h-bom").get("sum").asDouble()).isEqualTo(2.5);
        assertThat(finalWindows.get("h-huge").get("count").asLong()).isEqualTo(1);
        assertThat(finalWindows.get("h-huge").get("sum").isNumber()).isTrue();
        assertThat(finalWindows.get("h-huge").get("sum").asDouble()).isEqualTo(1e308);
        assertThat(finalWindows.get("h-q,1").get("sum").asDouble()).isEqualTo(3.0);
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /** Writes the corpus with kcat, lz4-compressed: messages split at 0x1e, key and value at 0x1f. */
    private static void kcatProduce(String bootstrap, String topic, List<Hostile> corpus) throws Exception {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        for (Hostile h : corpus) {
            in.write(h.key());
            in.write(0x1f);
            in.write(h.value());
            in.write(0x1e);
        }
        Process p = new ProcessBuilder("kcat", "-P", "-b", bootstrap, "-t", topic, "-z", "lz4", "-D", "\\x1e",
                "-K", "\\x1f", "-X", "message.max.bytes=4000000").redirectErrorStream(true).start();
        p.getOutputStream().write(in.toByteArray());
        p.getOutputStream().close();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(said).isZero();
    }

}
