package io.kpipe.model;

/**
 * Running statistics of the points of one sensor in one window: count, sum, min, max, and mean
 * and variance by Welford's update, which stays accurate where sum-of-squares would cancel.
 * First and last are the earliest and latest event times seen, whatever order points came in.
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

    /** True if adding {@code value} keeps sum, mean and variance finite. */
    public boolean accepts(double value) {
        double delta = value - mean;
        double newMean = mean + delta / (count + 1);
        return Double.isFinite(sum + value) && Double.isFinite(delta) && Double.isFinite(newMean)
                && Double.isFinite(m2 + delta * (value - newMean));
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
