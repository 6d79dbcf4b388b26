package io.kpipe.generate;

/**
 * The generator's schedule at a fixed rate: how many points it may send now. A generator that fell
 * behind (a cold JVM, a GC pause, a broker that pushed back) catches up at most {@link #CATCH_UP_PERCENT}%
 * above the target rate, never in a burst: a burst at twice the rate right after a cold start is
 * what built the processor's backlog (measured: 600-780k points/s for seconds when the target was
 * 333,333/s). What is still owed when the run ends was never sent: {@link #behind}.
 *
 * <p>Two limits, whichever is lower: the schedule (no point before its time) and a bucket that
 * fills at the target rate plus {@link #CATCH_UP_PERCENT}% and holds {@link #BUCKET_NANOS} of points. Pure
 * arithmetic on the times given, so it is tested without a clock. Not thread-safe: one generator
 * thread owns it.
 */
final class Pacer {
    /** How much faster than the target rate a generator that fell behind may send: 10%. */
    static final int CATCH_UP_PERCENT = 10;
    /** The bucket holds this much time of points: sends come in slices, not one by one. */
    static final long BUCKET_NANOS = 10_000_000L;
    /** The bucket counts in billionths of a point, so it fills exactly, in integers. */
    private static final long UNIT = 1_000_000_000L;

    private final long rate;
    private final long startNanos;
    private final long bucketSize;
    private long sent;
    private long bucket;
    private long filledAt;

    /** A schedule of {@code rate} points per second from {@code startNanos} (a {@link System#nanoTime()}). */
    Pacer(long rate, long startNanos) {
        if (rate <= 0 || rate > 1_000_000_000L) {
            throw new IllegalArgumentException("rate must be 1 to 1,000,000,000 points/s, got " + rate);
        }
        this.rate = rate;
        this.startNanos = startNanos;
        this.bucketSize = Math.max(UNIT, rate * BUCKET_NANOS);
        this.bucket = bucketSize;
        this.filledAt = startNanos;
    }

    /** How many points may be sent at {@code nowNanos}, at most {@code max}; 0 when ahead of the schedule. */
    long allowed(long nowNanos, int max) {
        // Beyond twice the time it takes to fill, the bucket is full anyway (and the product stays small).
        long elapsed = Math.min(nowNanos - filledAt, 2 * BUCKET_NANOS);
        bucket = Math.min(bucketSize, bucket + elapsed * rate * (100 + CATCH_UP_PERCENT) / 100);
        filledAt = nowNanos;
        long owed = due(nowNanos - startNanos) + 1 - sent;
        return Math.max(0, Math.min(Math.min(max, owed), bucket / UNIT));
    }

    /** Records that {@code n} points were sent (more than {@link #allowed} empties the bucket). */
    void sent(long n) {
        sent += n;
        bucket = n > bucket / UNIT ? 0 : bucket - n * UNIT;
    }

    /** Points the schedule owed at {@code nowNanos} that were not sent: how far behind the generator is. */
    long behind(long nowNanos) {
        return Math.max(0, due(nowNanos - startNanos) - sent);
    }

    /** Points due after {@code elapsedNanos} at the rate, without overflow for any run length. */
    private long due(long elapsedNanos) {
        long seconds = elapsedNanos / 1_000_000_000L;
        long rest = elapsedNanos % 1_000_000_000L;
        return seconds * rate + rest * rate / 1_000_000_000L;
    }
}
