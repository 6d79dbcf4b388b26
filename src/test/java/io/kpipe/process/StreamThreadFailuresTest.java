package io.kpipe.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamThreadFailuresTest {
    /** What ChaosIT's frozen broker caused: the commit of a transaction the coordinator had aborted. */
    private static StreamsException abortedCommit() {
        return new StreamsException("Error encountered trying to commit a transaction",
                new InvalidTxnStateException("The producer attempted a transactional operation in an invalid state."));
    }

    @Test
    void shouldReplaceTheThreadOfAnAbortedTransactionAtMostTenTimesAndStopOnAnythingElse() {
        StreamThreadFailures f = new StreamThreadFailures();

        assertThat(f.decide(new StreamsException(new TopicAuthorizationException("no"))))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(f.decide(new IllegalStateException("a bug"))).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        for (int i = 1; i <= StreamThreadFailures.MAX_REPLACEMENTS; i++) {
            assertThat(f.decide(abortedCommit())).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
            assertThat(f.replaced()).isEqualTo(i);
        }
        assertThat(f.decide(abortedCommit())).as("the eleventh: something is wrong for good")
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }
}
