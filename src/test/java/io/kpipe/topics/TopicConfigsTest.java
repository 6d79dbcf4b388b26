package io.kpipe.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.kpipe.config.TopicSettings;
import io.kpipe.config.UsageException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicConfigsTest {
    private static final Topics TOPICS = Topics.withPrefix("p-");

    @Test
    void shouldGiveEveryTopicExplicitRetentionAndSegmentSettings() {
        Map<String, TopicAdmin.Spec> specs = byName(TopicAdmin.specs(TOPICS,
                new TopicSettings("p-", 12, 0, Duration.ofMinutes(45)), 1, Duration.ofMinutes(73)));

        assertThat(specs.get("p-points").configs()).containsExactly(
                entry("cleanup.policy", "delete"),
                entry("compression.type", "lz4"),
                entry("min.insync.replicas", "1"),
                entry("retention.bytes", "-1"),
                entry("retention.ms", "2700000"),
                entry("segment.bytes", "67108864"),
                entry("segment.ms", "450000"));
        assertThat(specs.get("p-points-agg-1m").configs()).containsExactly(
                entry("cleanup.policy", "compact,delete"),
                entry("message.timestamp.type", "LogAppendTime"),
                entry("min.cleanable.dirty.ratio", "0.5"),
                entry("min.insync.replicas", "1"),
                entry("retention.bytes", "-1"),
                entry("retention.ms", "4380000"),
                entry("segment.bytes", "67108864"),
                entry("segment.ms", "600000"));
        Map<String, String> output = Map.of("cleanup.policy", "delete", "min.insync.replicas", "1",
                "retention.bytes", "-1", "retention.ms", "4380000", "segment.bytes", "67108864", "segment.ms", "730000");
        // Results are stamped by the broker when written; a dead letter keeps its point's record timestamp.
        Map<String, String> alerts = new java.util.HashMap<>(output);
        alerts.put("message.timestamp.type", "LogAppendTime");
        assertThat(specs.get("p-alerts").configs()).isEqualTo(alerts);
        assertThat(specs.get("p-points-dlq").configs()).isEqualTo(output);
        assertThat(specs.get("p-devices").configs()).containsExactly(
                entry("cleanup.policy", "compact"), entry("min.insync.replicas", "1"));
    }

    @Test
    void shouldKeepTheOutputsForTheRetentionWhenItIsLongerThanWhatARunNeeds() {
        Map<String, TopicAdmin.Spec> specs = byName(TopicAdmin.specs(TOPICS,
                new TopicSettings("p-", 12, 0, Duration.ofHours(48)), 3));

        assertThat(specs.values()).filteredOn(s -> !s.name().equals("p-devices"))
                .extracting(s -> s.configs().get("retention.ms")).containsOnly("172800000");
        assertThat(specs.get("p-points").configs()).containsEntry("segment.ms", "28800000")
                .containsEntry("min.insync.replicas", "2");
        assertThat(specs.get("p-points-agg-1m").configs()).containsEntry("segment.ms", "600000");
        assertThat(specs.get("p-points").replication()).isEqualTo(3);
    }

    @Test
    void shouldRollSegmentsAtLeastDailyWhateverTheRetention() {
        assertThat(TopicConfigs.deleted(Duration.ofHours(8760))).containsEntry("segment.ms", "86400000");
    }

    @Test
    void shouldCompactTheChangelogOnlyWithSmallSegmentsAndShortLivedTombstones() {
        assertThat(TopicAdmin.changelogSpec("app-agg-store-changelog", 12, 3).configs()).containsExactly(
                entry("cleanup.policy", "compact"),
                entry("delete.retention.ms", "900000"),
                entry("min.cleanable.dirty.ratio", "0.5"),
                entry("min.insync.replicas", "2"),
                entry("segment.bytes", "67108864"),
                entry("segment.ms", "600000"));
    }

    @Test
    void shouldDefaultToHalfAnHour() {
        assertThat(new TopicSettings("", 12, 0).retention()).isEqualTo(Duration.ofMinutes(30));
    }

    @ParameterizedTest
    @ValueSource(longs = {600, 31_536_000})
    void shouldTakeRetentionsFromTenMinutesToAYear(long seconds) {
        assertThat(new TopicSettings("", 12, 0, Duration.ofSeconds(seconds)).retention().toSeconds()).isEqualTo(seconds);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 599, 31_536_001})
    void shouldRefuseRetentionsShorterThanTenMinutesOrLongerThanAYear(long seconds) {
        assertThatThrownBy(() -> new TopicSettings("", 12, 0, Duration.ofSeconds(seconds)))
                .isInstanceOf(UsageException.class)
                .hasMessage("--retention: must be 10m..8760h, got "
                        + io.kpipe.config.Durations.format(Duration.ofSeconds(seconds)));
    }

    private static Map<String, TopicAdmin.Spec> byName(List<TopicAdmin.Spec> specs) {
        return specs.stream().collect(Collectors.toMap(TopicAdmin.Spec::name, s -> s));
    }
}
