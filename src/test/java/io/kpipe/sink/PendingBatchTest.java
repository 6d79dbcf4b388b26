package io.kpipe.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.model.WindowResult;
import io.kpipe.model.WindowResultSerde;
import io.kpipe.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PendingBatchTest {
    private static final Topics TOPICS = Topics.withPrefix("p-");
    private static final String AGG = TOPICS.aggregates().name();
    private static final String ALERTS = TOPICS.alerts().name();
    private static final long W0 = 1_764_000_000_000L;

    private static ConsumerRecord<byte[], byte[]> window(int partition, long offset, String sensor, long count) {
        WindowResult w = new WindowResult(sensor, "site", "C", W0, W0 + 60_000, count, count, 1, 1, 1, 0, W0, W0);
        return new ConsumerRecord<>(AGG, partition, offset, WindowResult.key(sensor, W0).getBytes(StandardCharsets.UTF_8),
                new WindowResultSerde().serialize(AGG, w));
    }

    @Test
    void shouldKeepTheLastUpdateOfEachWindowWithItsOffsetAsVersion() {
        PendingBatch b = new PendingBatch(TOPICS);
        b.add(window(0, 10, "s-1", 1));
        b.add(window(0, 11, "s-1", 2));
        b.add(window(1, 5, "s-2", 1));

        assertThat(b.windows()).extracting(w -> w.window().sensor(), w -> w.window().count(), PendingBatch.WindowRow::version)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("s-1", 2L, 11L),
                        org.assertj.core.groups.Tuple.tuple("s-2", 1L, 5L));
        assertThat(b.records()).isEqualTo(3);
    }

    @Test
    void shouldRejectARecordThatIsNotJsonOnEitherTopicWithItsPosition() {
        PendingBatch b = new PendingBatch(TOPICS);
        b.add(new ConsumerRecord<>(AGG, 2, 7, "k".getBytes(StandardCharsets.UTF_8), "{not json".getBytes(StandardCharsets.UTF_8)));
        b.add(new ConsumerRecord<>(ALERTS, 0, 3, null, "null".getBytes(StandardCharsets.UTF_8)));

        assertThat(b.rejects()).extracting(r -> r.origin().topic(), r -> r.origin().partition(), r -> r.origin().offset())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(AGG, 2, 7L),
                        org.assertj.core.groups.Tuple.tuple(ALERTS, 0, 3L));
        assertThat(b.rejects()).allSatisfy(r -> assertThat(r.reason()).startsWith("undecodable: ").doesNotContain("\n"));
        assertThat(b.windows()).isEmpty();
    }

    @Test
    void shouldDropWhatItTookFromARevokedPartition() {
        PendingBatch b = new PendingBatch(TOPICS);
        b.add(window(0, 10, "s-1", 1));
        b.add(window(1, 5, "s-2", 1));
        b.add(new ConsumerRecord<>(AGG, 1, 6, null, "x".getBytes(StandardCharsets.UTF_8)));

        b.drop(List.of(new TopicPartition(AGG, 1)));

        assertThat(b.windows()).extracting(w -> w.window().sensor()).containsExactly("s-1");
        assertThat(b.rejects()).isEmpty();
        b.drop(List.of(new TopicPartition(AGG, 0)));
        assertThat(b.isEmpty()).isTrue();
    }

    @Test
    void shouldMakeAReasonAndAKeyStorableAsText() {
        Reject r = new Reject(new Origin(AGG, 0, 1, "s\0x@1".getBytes(StandardCharsets.UTF_8), null), "bad\0one\nline", null);

        assertThat(r.reason()).isEqualTo("bad\uFFFDone\uFFFDline");
        assertThat(r.keyText()).isEqualTo("s\uFFFDx@1");
        assertThat(Reject.storable("x".repeat(600), 500)).hasSize(500);
    }
}
