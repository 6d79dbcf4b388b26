package io.kpipe.run;

import io.kpipe.model.WindowResult;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyCheckTest {
    private static final long W0 = 1_764_000_000_000L;
    private static final long W1 = W0 + 60_000;

    private static Reconciler.Output output(Map<String, Long> finalCounts, Map<String, Long> late) {
        long sum = finalCounts.values().stream().mapToLong(Long::longValue).sum();
        long lateSum = late.values().stream().mapToLong(Long::longValue).sum();
        return new Reconciler.Output(finalCounts.size(), sum, 0, lateSum, 0, 0, 0, finalCounts, late, 0, 0, sum + lateSum);
    }

    private static String key(int sensor, long start) {
        return io.kpipe.model.WindowResult.key("s-" + sensor, start);
    }

    @Test
    void shouldBalanceWhenEveryWindowHoldsExactlyItsAckedPointsLessTheLateOnes() {
        Map<Long, long[]> acked = Map.of(W0, new long[] {3, 0, 5}, W1, new long[] {1, 2, 0});
        Reconciler.Output out = output(
                Map.of(key(0, W0), 3L, key(2, W0), 4L, key(0, W1), 1L, key(1, W1), 2L),
                Map.of(key(2, W0), 1L));

        KeyCheck check = KeyCheck.of(acked, i -> "s-" + i, out);

        assertThat(check).isEqualTo(new KeyCheck(0, 0, 4, 0));
    }

    @Test
    void shouldCountTheWindowsStillOpenInTheStateAtTheEndInFinalMode() {
        Map<Long, long[]> acked = Map.of(W0, new long[] {3, 5}, W1, new long[] {2, 1});
        // Final mode: W0 closed and on the topic, W1 still open (read from the changelog).
        Reconciler.Output out = new Reconciler.Output(2, 8, 0, 0, 0, 0, 0, Map.of(key(0, W0), 3L, key(1, W0), 5L),
                Map.of(), 0, 0, 11, Map.of(key(0, W1), 2L, key(1, W1), 1L), 0);

        KeyCheck check = KeyCheck.of(acked, i -> "s-" + i, out);

        assertThat(check).isEqualTo(new KeyCheck(0, 0, 4, 0));
        assertThat(out.outcomes()).isEqualTo(11);
    }

    @Test
    void shouldCountAWindowBothOnTheTopicAndStillOpenAsDuplicated() {
        Map<Long, long[]> acked = Map.of(W0, new long[] {3});
        Reconciler.Output out = new Reconciler.Output(1, 3, 0, 0, 0, 0, 0, Map.of(key(0, W0), 3L),
                Map.of(), 0, 0, 3, Map.of(key(0, W0), 3L), 0);

        KeyCheck check = KeyCheck.of(acked, i -> "s-" + i, out);

        assertThat(check).isEqualTo(new KeyCheck(0, 3, 1, 1));
    }

    @Test
    void shouldNotLetALossInOneWindowHideBehindADuplicateInAnother() {
        Map<Long, long[]> acked = Map.of(W0, new long[] {3, 2});
        // Totals agree (5 = 5), but s-0 lost one point and s-1 counted one twice.
        Reconciler.Output out = output(Map.of(key(0, W0), 2L, key(1, W0), 3L), Map.of());

        KeyCheck check = KeyCheck.of(acked, i -> "s-" + i, out);

        assertThat(check).isEqualTo(new KeyCheck(1, 1, 2, 2));
    }

    @Test
    void shouldCountAMissingWindowAsLostAndAnUnexpectedOneAsDuplicated() {
        Map<Long, long[]> acked = Map.of(W0, new long[] {4});
        Reconciler.Output out = output(Map.of(key(0, W1), 2L), Map.of(key(0, W0), 0L));

        KeyCheck check = KeyCheck.of(acked, i -> "s-" + i, out);

        assertThat(check).isEqualTo(new KeyCheck(4, 2, 2, 2));
    }

    @Test
    void shouldAddPointsIngestedOverHttpToTheWindowsTheyBelongTo() {
        Map<Long, long[]> acked = Map.of(W0, new long[] {3});
        // s-0 got 3 generated and 2 ingested points in W0; an HTTP-only sensor got 4.
        Map<String, Long> ingested = Map.of(key(0, W0), 2L, WindowResult.key("ext-1", W0), 4L);
        Reconciler.Output exact = output(Map.of(key(0, W0), 5L, WindowResult.key("ext-1", W0), 4L), Map.of());
        Reconciler.Output short1 = output(Map.of(key(0, W0), 5L, WindowResult.key("ext-1", W0), 3L), Map.of());

        assertThat(KeyCheck.of(acked, i -> "s-" + i, ingested, exact)).isEqualTo(new KeyCheck(0, 0, 2, 0));
        assertThat(KeyCheck.of(acked, i -> "s-" + i, ingested, short1)).isEqualTo(new KeyCheck(1, 0, 2, 1));
    }
}
