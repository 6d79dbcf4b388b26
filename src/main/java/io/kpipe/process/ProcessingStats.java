package io.kpipe.process;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Live counters of one processor, written by its stream threads and read by the progress line:
 * points decoded, rejected and late, and the latency from a point's send (its record timestamp)
 * to its aggregation. Counters are {@link LongAdder}s, striped per thread, so stream threads do
 * not contend on one cache line.
 */
public final class ProcessingStats {
    /** Latencies above this (ms) are recorded as this. */
    static final long MAX_LATENCY_MS = 3_600_000;

    private final LongAdder processed = new LongAdder();
    private final LongAdder invalid = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final LongAdder unknownSensor = new LongAdder();
    private final LongAdder alerts = new LongAdder();
    private final LongAdder devicesRejected = new LongAdder();
    private final Recorder latency = new Recorder(MAX_LATENCY_MS, 3);
    private final Histogram total = new Histogram(MAX_LATENCY_MS, 3);
    private final Histogram absorbed = new Histogram(MAX_LATENCY_MS, 3);
    private Histogram interval;

    void recordAggregated(long latencyMs) {
        processed.increment();
        latency.recordValue(Math.max(0, Math.min(latencyMs, MAX_LATENCY_MS)));
    }

    void recordInvalid() {
        processed.increment();
        invalid.increment();
    }

    void recordLate() {
        processed.increment();
        late.increment();
    }

    void recordUnknownSensor() {
        unknownSensor.increment();
    }

    void recordAlert() {
        alerts.increment();
    }

    void recordDeviceRejected() {
        devicesRejected.increment();
    }

    /** Points aggregated for sensors the device registry does not know (site {@code unknown}). */
    public long unknownSensor() {
        return unknownSensor.sum();
    }

    /** Alerts sent to the {@code alerts} topic. */
    public long alerts() {
        return alerts.sum();
    }

    /** Records of the {@code devices} topic that were not a valid device, and were skipped. */
    public long devicesRejected() {
        return devicesRejected.sum();
    }

    /** Points taken from {@code points}: aggregated, invalid or late. */
    public long processed() {
        return processed.sum();
    }

    public long invalid() {
        return invalid.sum();
    }

    public long late() {
        return late.sum();
    }

    /**
     * Latencies recorded since the last call (the interval), also added to the run's total.
     * Called by one reporting thread.
     */
    public synchronized Histogram takeInterval() {
        interval = latency.getIntervalHistogram(interval);
        interval.add(absorbed);
        absorbed.reset();
        total.add(interval);
        return interval;
    }

    /** Adds what another process (a child processor) reported: counts and latencies since its last report. */
    public void absorb(long processedDelta, long invalidDelta, long lateDelta, Histogram latencies) {
        processed.add(processedDelta);
        invalid.add(invalidDelta);
        late.add(lateDelta);
        synchronized (this) {
            absorbed.add(latencies);
        }
    }

    /**
     * Latencies of every point aggregated up to the last {@link #takeInterval()}, without taking
     * one (for metrics scrapes, which must not steal the progress line's interval).
     */
    public synchronized Histogram totalUpToLastInterval() {
        return total.copy();
    }

    /** Latencies of every point aggregated so far, including the last interval taken. */
    public synchronized Histogram totalLatency() {
        takeInterval();
        return total.copy();
    }
}
