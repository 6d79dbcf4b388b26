package io.kpipe.generate;

import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The generator's books per sensor and window: how many points the cluster acknowledged for each
 * (sensor, window start), valid and late alike. Reconciliation compares it with the final count of
 * every window, so a point lost from one window cannot hide behind a point counted twice in another.
 *
 * <p>Compact: per window, one {@code long} per sensor, and one callback object per sensor that
 * sent in that window (made on first use and reused, so there is no allocation per point). The
 * callbacks of a window are let go once two newer windows have opened (a callback still in flight
 * keeps working: it holds its window); a late point for such a window makes them again. So an hour
 * keeps one {@code long} per sensor and window (80 KB a minute with 10,000 sensors), not the
 * callbacks too (about 400 KB a minute: the soak's live heap grew by that much).
 * Windows are opened by the sending thread; counts are written by the producer's single I/O
 * thread and read once the producer is flushed or closed.
 */
public final class KeyTally {
    private final int sensors;
    private final long windowMs;
    private final TreeMap<Long, Window> windows = new TreeMap<>();
    private Window last;

    KeyTally(int sensors, long windowMs) {
        this.sensors = sensors;
        this.windowMs = windowMs;
    }

    /** The window holding event time {@code ts}. Called by the sending thread. */
    Window window(long ts) {
        long start = ts - Math.floorMod(ts, windowMs);
        if (last != null && last.start == start) {
            return last;
        }
        Window w;
        synchronized (windows) {
            w = windows.computeIfAbsent(start, s -> new Window(s, sensors));
            if (last == null || start > last.start) {
                // A new newest window (once per window length): the callbacks of those before the previous go.
                windows.headMap(start - windowMs).values().forEach(Window::release);
            }
        }
        if (ts >= (last == null ? Long.MIN_VALUE : last.start)) {
            last = w;
        }
        return w;
    }

    public long windowMs() {
        return windowMs;
    }

    /** Acknowledged points per window start, then per sensor index ({@code s-<index>}). */
    public Map<Long, long[]> counts() {
        Map<Long, long[]> out = new TreeMap<>();
        synchronized (windows) {
            windows.forEach((start, w) -> out.put(start, w.acked.clone()));
        }
        return out;
    }

    /** One window's counts and callbacks. */
    static final class Window {
        final long start;
        final long[] acked;
        /** The callbacks, per sensor; null once let go ({@link #release}). Only the sending thread touches them. */
        private Ack[] onTime;
        private Ack[] late;

        Window(long start, int sensors) {
            this.start = start;
            this.acked = new long[sensors];
        }

        Callback callback(int sensor, Generator.Counter kind, boolean isLate) {
            if (onTime == null) {
                onTime = new Ack[acked.length];
                late = new Ack[acked.length];
            }
            Ack[] acks = isLate ? late : onTime;
            Ack a = acks[sensor];
            if (a == null) {
                a = new Ack(this, sensor, kind);
                acks[sensor] = a;
            }
            return a;
        }

        /** Lets the callbacks go (those in flight still count: each holds this window). */
        void release() {
            onTime = null;
            late = null;
        }

        /** Whether it holds callbacks now. */
        boolean holdsCallbacks() {
            return onTime != null;
        }
    }

    private record Ack(Window window, int sensor, Generator.Counter kind) implements Callback {
        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception == null) {
                window.acked[sensor]++;
            }
            kind.count(exception);
        }
    }
}
