package io.kpipe.model;

/**
 * Running statistics of the points of one sensor in one window: count, sum, min, max, and mean
 * and variance by Welford's update, which stays accurate where sum-of-squares would cancel.
 * First and last are the earliest and latest event times seen, whatever order points came in.
 *
 * <p>The state is doubles, so values near the double limit can overflow it: call {@link #accepts}
 * before {@link #add} and keep out a value it refuses, and the aggregate stays finite.
 */
public final class Aggregate {
    /** Size of {@link #writeTo}'s output. */
    public static final int BYTES = 64;

    long count;
    double sum;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double mean;
    double m2;
    long firstTs = Long.MAX_VALUE;
    long lastTs = Long.MIN_VALUE;

    public Aggregate add(long timestamp, double value) {
        count++;
        sum += value;
        if (value < min) {
            min = value;
        }
        if (value > max) {
            max = value;
        }
        double delta = value - mean;
        mean += delta / count;
        m2 += delta * (value - mean);
        if (timestamp < firstTs) {
            firstTs = timestamp;
        }
        if (timestamp > lastTs) {
            lastTs = timestamp;
        }
        return this;
    }

    /**
     * Whether {@code add(t, value)} would keep count, sum, mean and the sum of squared deviations
     * (hence stddev) finite. False for NaN and infinities too. Whether a value fits depends on
     * what the window already holds: after 1e200, even 0 is refused, as the squared spread
     * (1e400) has no double. Values within about ±1e150 always fit in practice.
     */
    public boolean accepts(double value) {
        if (!Double.isFinite(value) || count == Long.MAX_VALUE) {
            return false;
        }
        // The same arithmetic as add, in the same order, so the answer is exact rather than a bound.
        long n = count + 1;
        double delta = value - mean;
        double nextMean = mean + delta / n;
        double nextM2 = m2 + delta * (value - nextMean);
        return Double.isFinite(sum + value) && Double.isFinite(nextMean) && Double.isFinite(nextM2);
    }

    public long count() {
        return count;
    }

    public double sum() {
        return sum;
    }

    public double min() {
        return min;
    }

    public double max() {
        return max;
    }

    public double mean() {
        return mean;
    }

    /** Population standard deviation (0 for a single point). */
    public double stddev() {
        return count == 0 ? 0 : Math.sqrt(m2 / count);
    }

    public long firstTs() {
        return firstTs;
    }

    public long lastTs() {
        return lastTs;
    }

    /** Writes the state as {@link #BYTES} big-endian bytes, for the window store. */
    public void writeTo(java.nio.ByteBuffer out) {
        out.putLong(count).putDouble(sum).putDouble(min).putDouble(max)
                .putDouble(mean).putDouble(m2).putLong(firstTs).putLong(lastTs);
    }

    public static Aggregate readFrom(java.nio.ByteBuffer in) {
        Aggregate a = new Aggregate();
        a.count = in.getLong();
        a.sum = in.getDouble();
        a.min = in.getDouble();
        a.max = in.getDouble();
        a.mean = in.getDouble();
        a.m2 = in.getDouble();
        a.firstTs = in.getLong();
        a.lastTs = in.getLong();
        return a;
    }
}
