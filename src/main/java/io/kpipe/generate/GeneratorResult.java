package io.kpipe.generate;

import java.time.Duration;

/**
 * What the generator got acknowledged by the cluster ({@code acks=all}), by kind. A point whose
 * send finally failed is in {@code sendFailed}, never in the others, so the books balance.
 * {@code notSent}: points the schedule owed when the run ended and the generator had not sent (it
 * fell behind and catches up at most 10% above the rate, {@link Pacer}); in no count of the books.
 */
public record GeneratorResult(long valid, long invalid, long lateIntended, long sendFailed, long notSent,
                              Duration elapsed, KeyTally tally) {
    /** Points acknowledged: valid (including those sent late) plus invalid. */
    public long produced() {
        return valid + invalid;
    }
}
