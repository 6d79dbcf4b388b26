package io.kpipe.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.sink.SqlStates.Verdict;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SqlStatesTest {

    @ParameterizedTest(name = "{0} ({2}) -> {1}")
    @CsvSource({
            "08001, RETRY,  cannot connect",
            "08006, RETRY,  connection failure",
            "53100, RETRY,  disk full",
            "53300, RETRY,  too many connections",
            "57P01, RETRY,  admin shutdown",
            "57P03, RETRY,  cannot connect now (starting up)",
            "57014, RETRY,  query canceled",
            "40001, RETRY,  serialization failure",
            "40P01, RETRY,  deadlock detected",
            "42P01, RETRY,  undefined table (for an operator to fix; not the rows)",
            "42501, RETRY,  insufficient privilege",
            "58030, RETRY,  I/O error",
            "XX000, RETRY,  internal error",
            "22021, REJECT, character not in repertoire (a NUL byte)",
            "22008, REJECT, datetime field overflow (timestamp out of range)",
            "22003, REJECT, numeric value out of range",
            "22P02, REJECT, invalid text representation",
            "23505, REJECT, unique violation",
            "23502, REJECT, not null violation",
            "23514, REJECT, check violation"})
    void shouldRetryWhatTheDatabaseCausedAndRejectWhatTheRowCaused(String state, Verdict verdict, String what) {
        assertThat(SqlStates.classify(new SQLException(what, state))).isEqualTo(verdict);
    }

    @Test
    void shouldRetryAnErrorWithoutState() {
        assertThat(SqlStates.classify(new SQLException("I/O error in the driver"))).isEqualTo(Verdict.RETRY);
        assertThat(SqlStates.of("")).isEqualTo(Verdict.RETRY);
    }

    @Test
    void shouldFindTheRowsStateBehindAJdbcBatchError() {
        BatchUpdateException batch = new BatchUpdateException("Batch entry 3 was aborted", null, 0, new int[0]);
        batch.setNextException(new SQLException("invalid byte sequence for encoding \"UTF8\": 0x00", "22021"));

        assertThat(SqlStates.classify(batch)).isEqualTo(Verdict.REJECT);
        assertThat(SqlStates.stateOf(batch)).isEqualTo("22021");
    }

    @Test
    void shouldFindAStateInTheCause() {
        SQLException wrapped = new SQLException("COPY failed", new SQLException("timestamp out of range", "22008"));

        assertThat(SqlStates.classify(wrapped)).isEqualTo(Verdict.REJECT);
    }
}
