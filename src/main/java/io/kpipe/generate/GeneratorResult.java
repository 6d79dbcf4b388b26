package io.kpipe.generate;

import java.time.Duration;

/**
 * What the generator got acknowledged by the cluster ({@code acks=all}), by kind. A point whose
 * send finally failed is in {@code sendFailed}, never in the others, so the books balance.
 */
public record GeneratorResult(long valid, long invalid, long lateIntended, long sendFailed, Duration elapsed,
                              KeyTally tally) {
    /** Points acknowledged: valid (including those sent late) plus invalid. */
    public long produced() {
        return valid + invalid;
    }
}
