package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.model.WindowResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BooksTest {
    private static final long W0 = 1_764_000_000_000L;

    /** The generator acknowledged 3 points of s-0 and 2 of s-1 in W0, and 4 invalid ones. */
    private static final Books.Sent SENT = new Books.Sent(Map.of(W0, new long[] {3, 2}), i -> "s-" + i, Map.of(), 9, 4);

    private static Reconciler.Output output(Map<String, Long> finalCounts, Map<String, Long> setAside, long notPoints,
                                            long pointsRecords) {
        long sum = finalCounts.values().stream().mapToLong(Long::longValue).sum();
        long aside = setAside.values().stream().mapToLong(Long::longValue).sum();
        return new Reconciler.Output(finalCounts.size(), sum, notPoints + aside, 0, aside, 0, notPoints, finalCounts,
                setAside, 0, 0, pointsRecords);
    }

    private static String key(String sensor) {
        return WindowResult.key(sensor, W0);
    }

    @Test
    void shouldBalanceWhenEveryPointHasItsOutcome() {
        Books b = Books.of(SENT, output(Map.of(key("s-0"), 2L, key("s-1"), 2L), Map.of(key("s-0"), 1L), 4, 9));

        assertThat(b).isEqualTo(new Books(0, 0, 0, 0));
    }

    @Test
    void shouldCountInvalidPointsMissingFromTheDeadLetterTopicAsLost() {
        Books b = Books.of(SENT, output(Map.of(key("s-0"), 3L, key("s-1"), 2L), Map.of(), 1, 9));

        assertThat(b).isEqualTo(new Books(3, 0, 0, 0));
    }

    @Test
    void shouldCountAWindowNobodySentToAsDuplicatedWhenNoOtherProducerWrote() {
        Books b = Books.of(SENT, output(Map.of(key("s-0"), 3L, key("s-1"), 2L, key("x"), 1L), Map.of(), 4, 9));

        assertThat(b).isEqualTo(new Books(0, 1, 1, 0));
    }

    @Test
    void shouldBalanceOtherProducersRecordsInTotal() {
        // 5 records from kcat: 2 aggregated under 'x', 1 set aside as future, 2 not points.
        Books b = Books.of(SENT, output(Map.of(key("s-0"), 3L, key("s-1"), 2L, key("x"), 2L), Map.of(key("x"), 1L),
                6, 14));

        assertThat(b).isEqualTo(new Books(0, 0, 0, 5));
    }

    @Test
    void shouldFindALossAmongOtherProducersRecords() {
        // 5 records from kcat, but only 4 outcomes for them.
        Books b = Books.of(SENT, output(Map.of(key("s-0"), 3L, key("s-1"), 2L, key("x"), 1L), Map.of(key("x"), 1L),
                6, 14));

        assertThat(b).isEqualTo(new Books(1, 0, 0, 5));
    }

    @Test
    void shouldStillCheckThisRunsOwnWindowsOneByOneWhenOthersWrote() {
        // s-0 lost one point, s-1 counted one twice; totals agree.
        Books b = Books.of(SENT, output(Map.of(key("s-0"), 2L, key("s-1"), 3L, key("x"), 1L), Map.of(), 6, 12));

        assertThat(b).isEqualTo(new Books(1, 1, 2, 3));
    }
}
