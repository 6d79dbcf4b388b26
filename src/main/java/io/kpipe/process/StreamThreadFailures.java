package io.kpipe.process;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * What the processor does when a stream thread dies. A transaction the broker aborted under it
 * (the transaction coordinator's timeout passed while the broker was frozen or cut off: the
 * commit then fails with {@code InvalidTxnStateException}, which Kafka Streams does not recover
 * from by itself) costs only that transaction: the thread is replaced, its tasks start again from
 * the last committed offsets and state, and exactly-once holds, as after a crash. Anything else,
 * or more than {@value #MAX_REPLACEMENTS} such replacements in the processor's life, stops the
 * processor with the error.
 */
final class StreamThreadFailures {
    static final int MAX_REPLACEMENTS = 10;
    private final AtomicInteger replaced = new AtomicInteger();

    StreamThreadExceptionResponse decide(Throwable e) {
        if (transactionLost(e) && replaced.incrementAndGet() <= MAX_REPLACEMENTS) {
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    /** Threads replaced so far. */
    int replaced() {
        return Math.min(replaced.get(), MAX_REPLACEMENTS);
    }

    /** Whether {@code e} or a cause of it is a transaction the broker ended under the thread. */
    static boolean transactionLost(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidTxnStateException || t instanceof TransactionAbortedException
                    || t instanceof InvalidProducerEpochException || t instanceof ProducerFencedException) {
                return true;
            }
        }
        return false;
    }
}
