package io.kpipe.spark;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counts and latencies of this JVM's tasks, reported to kpipe once a second in the line kpipe's
 * own child processors print ({@code kpipe-stats <aggregated> <invalid> <late> <base64 histogram>},
 * run/ProcessorGroup), so that {@code kpipe run} shows and sums them the same way. JVM-wide,
 * which is exact in {@code local[N]} (tasks are threads of this JVM); a task Spark runs again
 * counts again (display only: the books are read from Kafka).
 */
final class SparkStats {
    static final LongAdder AGGREGATED = new LongAdder();
    static final LongAdder INVALID = new LongAdder();
    static final LongAdder LATE = new LongAdder();
    /** Milliseconds from the record timestamp to the point's aggregation, as kpipe's processor measures. */
    private static final Recorder LATENCY = new Recorder(3);

    private SparkStats() {}

    static void aggregated(long latencyMs) {
        AGGREGATED.increment();
        LATENCY.recordValue(Math.max(0, latencyMs));
    }

    /** The stats line, with the latencies recorded since the previous one. */
    static String line() {
        Histogram h = LATENCY.getIntervalHistogram();
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buf);
        return "kpipe-stats " + AGGREGATED.sum() + " " + INVALID.sum() + " " + LATE.sum() + " "
                + Base64.getEncoder().encodeToString(Arrays.copyOf(buf.array(), n));
    }
}
