package io.kpipe.process;

import io.kpipe.model.Aggregate;
import io.kpipe.model.BinaryPoint;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.LongPredicate;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.TestInputTopic;

/**
 * The input of the million-sensor tests, and the exact aggregate every window must end with.
 *
 * <pre>
 * sensor i = "m-" + i, its one window in minute i % 5 (so each minute's windows open and close together)
 * minute m   the sensors of minute m, one point each, event times rising from m:00.000 to m:49.999
 *            every 100th sensor two more points (value v+1 and v-2) right after its first
 *            every 1,000th point position: an invalid record (dead-lettered as invalid)
 *            after 1,000 of them (stream time m:00.25): one point each for one in 1,000 sensors of
 *            minute m-1 at (m-1):59, out of order but within the 10 s grace: aggregated
 *            at the end (stream time m:50, minute m-1 closed at m:10): one point each for one in
 *            1,000 other sensors of minute m-1: late
 * </pre>
 * Values are whole numbers, so every sum is exact in a double. Stream time ends in minute 4: the
 * windows of minutes 0-3 are closed, those of minute 4 still open.
 */
final class MillionSensors {
    /** A minute boundary: 2025-11-24T16:00:00Z. */
    static final long T0 = 1_764_000_000_000L;
    static final int MINUTES = 5;
    static final double OUT_OF_ORDER_VALUE = 1000;

    final int sensors;
    long sent;
    long invalid;
    long late;

    MillionSensors(int sensors) {
        if (sensors % (MINUTES * 1000) != 0) {
            throw new IllegalArgumentException("sensors must be a multiple of 5,000, got " + sensors);
        }
        this.sensors = sensors;
    }

    static String name(long i) {
        return "m-" + i;
    }

    static long index(String sensor) {
        return Long.parseLong(sensor.substring(2));
    }

    static long windowStart(long i) {
        return T0 + (i % MINUTES) * 60_000L;
    }

    private int perMinute() {
        return sensors / MINUTES;
    }

    /** Sensor k of minute m. */
    private static long sensor(int minute, long k) {
        return k * MINUTES + minute;
    }

    /** One in 1,000 sensors of minutes 0-3 gets a point out of order, within the grace. */
    private static boolean outOfOrder(long i) {
        return i % MINUTES < MINUTES - 1 && (i / MINUTES) % 1000 == 7;
    }

    /** One in 1,000 other sensors of minutes 0-3 gets a late point. */
    private static boolean lateOne(long i) {
        return i % MINUTES < MINUTES - 1 && (i / MINUTES) % 1000 == 11;
    }

    /** The aggregate sensor i's window must hold. */
    Aggregate expected(long i) {
        double v = i % 997;
        long ts = timestampOf(i);
        Aggregate a = new Aggregate().add(ts, v);
        if (i % 100 == 0) {
            a.add(ts, v + 1).add(ts, v - 2);
        }
        if (outOfOrder(i)) {
            a.add(windowStart(i) + 59_000, OUT_OF_ORDER_VALUE);
        }
        return a;
    }

    private long timestampOf(long i) {
        return windowStart(i) + (i / MINUTES) * 50_000L / perMinute();
    }

    /** Pipes the whole input; {@code every10k} is called after each 10,000 records (to read outputs). */
    void send(TestInputTopic<Bytes, byte[]> points, Runnable every10k) {
        sendUntil(points, every10k, n -> false);
    }

    /**
     * Pipes the input from the start until {@code stopAfter} is true for the number of records sent
     * (then returns that number), or to the end.
     */
    long sendUntil(TestInputTopic<Bytes, byte[]> points, Runnable every10k, LongPredicate stopAfter) {
        return sendFrom(0, points, every10k, stopAfter);
    }

    /** Pipes the input from record number {@code from} (as counted by {@link #sendUntil}) to the end. */
    void sendFrom(long from, TestInputTopic<Bytes, byte[]> points, Runnable every10k) {
        sendFrom(from, points, every10k, n -> false);
    }

    private long sendFrom(long from, TestInputTopic<Bytes, byte[]> points, Runnable every10k, LongPredicate stopAfter) {
        Sender s = new Sender(from, points, every10k, stopAfter);
        int per = perMinute();
        try {
            for (int m = 0; m < MINUTES; m++) {
                for (long k = 0; k < per; k++) {
                    long i = sensor(m, k);
                    double v = i % 997;
                    long ts = timestampOf(i);
                    s.point(i, ts, v);
                    if (i % 100 == 0) {
                        s.point(i, ts, v + 1);
                        s.point(i, ts, v - 2);
                    }
                    if (k % 1000 == 500) {
                        s.invalid(i);
                    }
                    if (k == 999 && m > 0) {
                        for (long j = 0; j < per; j++) {
                            long prev = sensor(m - 1, j);
                            if (outOfOrder(prev)) {
                                s.point(prev, windowStart(prev) + 59_000, OUT_OF_ORDER_VALUE);
                            }
                        }
                    }
                }
                if (m > 0) {
                    for (long j = 0; j < per; j++) {
                        long prev = sensor(m - 1, j);
                        if (lateOne(prev)) {
                            s.late(prev, windowStart(prev) + 30_000, 5.0);
                        }
                    }
                }
            }
        } catch (Stop stop) {
            return s.n;
        }
        return s.n;
    }

    private static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    /** Counts records, skips those before {@code from}, and stops when told to. */
    private final class Sender {
        private final long from;
        private final TestInputTopic<Bytes, byte[]> points;
        private final Runnable every10k;
        private final LongPredicate stopAfter;
        long n;

        Sender(long from, TestInputTopic<Bytes, byte[]> points, Runnable every10k, LongPredicate stopAfter) {
            this.from = from;
            this.points = points;
            this.every10k = every10k;
            this.stopAfter = stopAfter;
        }

        void point(long i, long ts, double value) {
            pipe(i, BinaryPoint.encode(ts, value), ts);
        }

        void late(long i, long ts, double value) {
            if (n >= from) {
                late++;
            }
            point(i, ts, value);
        }

        void invalid(long i) {
            if (n >= from) {
                invalid++;
            }
            pipe(i, "not a point".getBytes(StandardCharsets.UTF_8), timestampOf(i));
        }

        private void pipe(long i, byte[] value, long ts) {
            if (n++ < from) {
                return;
            }
            sent++;
            points.pipeInput(Bytes.wrap(name(i).getBytes(StandardCharsets.UTF_8)), value, Instant.ofEpochMilli(ts));
            if (n % 10_000 == 0) {
                every10k.run();
            }
            if (stopAfter.test(n)) {
                throw new Stop();
            }
        }
    }
}
