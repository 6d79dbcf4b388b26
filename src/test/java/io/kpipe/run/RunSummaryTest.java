package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RunSummaryTest {
    @ParameterizedTest(name = "valid {0}, invalid {1}, aggregated {2}, dlq {3}, late {4} -> lost {5}, duplicated {6}")
    @CsvSource({
            "1000, 10, 990, 10, 10, 0, 0",   // balanced, with late points
            "1000, 10, 995, 10, 0, 5, 0",    // 5 points never aggregated
            "1000, 10, 1003, 10, 0, 0, 3",   // 3 counted twice
            "1000, 10, 1000, 7, 0, 3, 0",    // 3 invalid points missing from the DLQ
            "1000, 10, 998, 12, 0, 2, 2"})   // both sides wrong: each counted
    void shouldBalanceTheBooks(long valid, long invalid, long aggregated, long dlq, long late, long lost, long dup) {
        long[] r = RunSummary.lostAndDuplicated(valid, invalid, aggregated, dlq, late);

        assertThat(r).containsExactly(lost, dup);
    }
}
