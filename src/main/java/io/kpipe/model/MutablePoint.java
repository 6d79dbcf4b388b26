package io.kpipe.model;

/**
 * One decoded reading, reused record after record by its owner so the hot path allocates nothing.
 * The sensor id is not here: it is the record key, which every format must agree with.
 */
public final class MutablePoint {
    long timestamp;
    double value;
    int flags;

    /** Event time, epoch milliseconds. */
    public long timestamp() {
        return timestamp;
    }

    public double value() {
        return value;
    }

    /** Quality flags of the binary format (0 when the format has none). */
    public int flags() {
        return flags;
    }

    public MutablePoint set(long timestamp, double value, int flags) {
        this.timestamp = timestamp;
        this.value = value;
        this.flags = flags;
        return this;
    }
}
