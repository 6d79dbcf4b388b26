package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.config.ProcessorConfig.Guarantee;
import io.kpipe.config.RunConfig;
import io.kpipe.config.TopicSettings;
import io.kpipe.config.UsageException;
import io.kpipe.testing.SharedCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The retention and segment settings as the broker holds them after a run: every topic kpipe
 * writes, the processor's changelog included, set on the topic itself (not a broker default).
 */
@Tag("integration")
@ExtendWith(SharedCluster.class)
@Timeout(240)
class RetentionIT {
    private static final List<String> KEYS = List.of("cleanup.policy", "compression.type", "delete.retention.ms",
            "message.timestamp.type", "min.cleanable.dirty.ratio", "min.insync.replicas", "retention.bytes", "retention.ms", "segment.bytes",
            "segment.ms");

    @Test
    void shouldCreateEveryTopicAndTheChangelogWithTheRetentionAndSegmentSettings(LocalCluster cluster) throws Exception {
        String p = SharedCluster.unique("retention-");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        RunSummary s = new PipelineRun(run(cluster, p, Duration.ofMinutes(45)),
                new PrintWriter(progress, true, StandardCharsets.UTF_8)).execute().summary();

        assertThat(s.ok()).as(s.describe()).isTrue();
        String changelog = p + "kpipe-processor-agg-store-changelog";
        Map<String, Map<String, String>> set = setOnTopics(cluster, p + "points", p + "devices", p + "points-agg-1m",
                p + "alerts", p + "points-dlq", changelog);
        // 45m for points; the outputs keep the run (4 s), its drain timeout (90 s) and 10 min: 45m is longer.
        assertThat(set.get(p + "points")).isEqualTo(Map.of("cleanup.policy", "delete", "compression.type", "lz4",
                "min.insync.replicas", "1", "retention.bytes", "-1", "retention.ms", "2700000",
                "segment.bytes", "67108864", "segment.ms", "450000"));
        assertThat(set.get(p + "devices")).isEqualTo(Map.of("cleanup.policy", "compact", "min.insync.replicas", "1"));
        assertThat(set.get(p + "points-agg-1m")).isEqualTo(Map.of("cleanup.policy", "compact,delete",
                "message.timestamp.type", "LogAppendTime", "min.cleanable.dirty.ratio", "0.5", "min.insync.replicas", "1", "retention.bytes", "-1",
                "retention.ms", "2700000", "segment.bytes", "67108864", "segment.ms", "450000"));
        Map<String, String> output = Map.of("cleanup.policy", "delete", "min.insync.replicas", "1",
                "retention.bytes", "-1", "retention.ms", "2700000", "segment.bytes", "67108864", "segment.ms", "450000");
        Map<String, String> alerts = new java.util.HashMap<>(output);
        alerts.put("message.timestamp.type", "LogAppendTime");   // results are stamped when written
        assertThat(set.get(p + "alerts")).isEqualTo(alerts);
        assertThat(set.get(p + "points-dlq")).isEqualTo(output);
        // Kafka Streams sets CreateTime on the topics it creates itself.
        assertThat(set.get(changelog)).isEqualTo(Map.of("cleanup.policy", "compact", "delete.retention.ms", "900000",
                "message.timestamp.type", "CreateTime", "min.cleanable.dirty.ratio", "0.5", "min.insync.replicas", "1", "segment.bytes", "67108864",
                "segment.ms", "600000"));
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("retention: " + p + "points keeps 45m; "
                + p + "points-agg-1m, " + p + "alerts and " + p + "points-dlq keep 45m (at least the run and 10m more: "
                + "the reconciliation reads them from their start)\n").doesNotContain("warning");
    }

    @Test
    void shouldRefuseARunWhoseExistingOutputTopicWouldDeleteWhatTheReconciliationReads(LocalCluster cluster)
            throws Exception {
        String p = SharedCluster.unique("short-");
        try (Admin admin = Admin.create(KafkaConnection.of(cluster.bootstrapServers()).clientProperties(Map.of()))) {
            admin.createTopics(List.of(new NewTopic(p + "points-agg-1m", 6, (short) 1)
                    .configs(Map.of("retention.ms", "600000")))).all().get();
        }

        // The run needs its outputs for 4 s + 90 s + 10 min = 11m34s; this one keeps them for 10m.
        assertThatThrownBy(() -> new PipelineRun(run(cluster, p, Duration.ofMinutes(30)),
                new PrintWriter(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).execute())
                .isInstanceOf(UsageException.class)
                .hasMessage("--retention: topic '" + p + "points-agg-1m' exists with retention.ms=600000 (10m), less than "
                        + "the 11m34s this run needs to reconcile from its start (--duration + --drain-timeout + 10m); "
                        + "raise its retention.ms or pick a new --topic-prefix");
    }

    @Test
    void shouldWarnOfAnExistingChangelogWithOtherSettingsAndLeaveItAsItIs(LocalCluster cluster) throws Exception {
        String p = SharedCluster.unique("oldlog-");
        String changelog = ProcessorConfig.defaultApplicationId(p) + "-agg-store-changelog";
        try (Admin admin = Admin.create(KafkaConnection.of(cluster.bootstrapServers()).clientProperties(Map.of()))) {
            admin.createTopics(List.of(new NewTopic(changelog, 6, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
        }
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        RunSummary s = new PipelineRun(run(cluster, p, Duration.ofMinutes(30)),
                new PrintWriter(progress, true, StandardCharsets.UTF_8)).execute().summary();

        assertThat(s.ok()).as(s.describe()).isTrue();
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("warning: MISMATCH " + changelog
                + ": delete.retention.ms=86400000, expected 900000; segment.bytes=1073741824, expected 67108864; "
                + "segment.ms=604800000, expected 600000\n");
        assertThat(setOnTopics(cluster, changelog).get(changelog)).isEqualTo(Map.of("cleanup.policy", "compact"));
    }

    /** A 4-second run at 20,000 points/s on existing brokers, drain timeout 90 s. */
    private static RunConfig run(LocalCluster cluster, String prefix, Duration retention) {
        return RunConfig.builder()
                .cluster(ClusterConfig.ofBrokers(1))
                .bootstrapServers(cluster.bootstrapServers())
                .topics(new TopicSettings(prefix, 6, 0, retention))
                .guarantee(Guarantee.EXACTLY_ONCE_V2)
                .threads(1)
                .duration(Duration.ofSeconds(4))
                .rate(20_000)
                .sensors(1_000)
                .invalidRatio(0.01)
                .drainTimeout(Duration.ofSeconds(90))
                .httpPort(-1)
                .build();
    }

    /** Of the settings kpipe sets, those each topic holds itself (not from a broker default). */
    private static Map<String, Map<String, String>> setOnTopics(LocalCluster cluster, String... topics) throws Exception {
        try (Admin admin = Admin.create(KafkaConnection.of(cluster.bootstrapServers()).clientProperties(Map.of()))) {
            List<ConfigResource> res = java.util.Arrays.stream(topics)
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
            Map<ConfigResource, Config> all = admin.describeConfigs(res).all().get();
            Map<String, Map<String, String>> out = new HashMap<>();
            for (ConfigResource r : res) {
                Map<String, String> set = new TreeMap<>();
                for (String key : KEYS) {
                    ConfigEntry e = all.get(r).get(key);
                    if (e != null && e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
                        set.put(key, e.value());
                    }
                }
                out.put(r.name(), set);
            }
            return out;
        }
    }
}
