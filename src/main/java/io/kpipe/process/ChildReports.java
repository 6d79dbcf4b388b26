package io.kpipe.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * What a child processor tells its parent on stdout (kpipe's own {@code kpipe process --child}, and
 * the Spark JVM): {@link #RUNNING} once it processes, then a {@link #STATS} line a second with its
 * totals and the latencies of the last interval. One reader per child process: it adds each line's
 * increments to the parent's stats, so a restarted child (totals from zero) gets a new one.
 */
public final class ChildReports {
    /** Prefix of a stats line: {@code kpipe-stats <processed> <invalid> <late> <base64 histogram>}. */
    public static final String STATS = "kpipe-stats";
    /** The line a child prints once it has its partitions and is processing. */
    public static final String RUNNING = "kpipe-running";

    private final ProcessingStats stats;
    private final CountDownLatch running = new CountDownLatch(1);
    private long processed;
    private long invalid;
    private long late;

    public ChildReports(ProcessingStats stats) {
        this.stats = stats;
    }

    /** The stats line a child prints: totals so far and the latencies since the last line. */
    public static String statsLine(ProcessingStats s) {
        Histogram h = s.takeInterval();
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buf);
        return STATS + " " + s.processed() + " " + s.invalid() + " " + s.late() + " "
                + Base64.getEncoder().encodeToString(Arrays.copyOf(buf.array(), n));
    }

    /** Reads the child's stdout until it ends (the child is gone). */
    public void read(InputStream childOut) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(childOut, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.equals(RUNNING)) {
                    running.countDown();
                } else if (line.startsWith(STATS + " ")) {
                    absorb(line.split(" "));
                }
            }
        } catch (IOException e) {
            // The child is gone.
        }
    }

    /** True once the child said it is running; waits at most {@code ms}. */
    public boolean awaitRunning(long ms) throws InterruptedException {
        return running.await(ms, TimeUnit.MILLISECONDS);
    }

    private void absorb(String[] f) {
        try {
            long p = Long.parseLong(f[1]);
            long i = Long.parseLong(f[2]);
            long l = Long.parseLong(f[3]);
            Histogram h = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(f[4])), 0);
            stats.absorb(p - processed, i - invalid, l - late, h);
            processed = p;
            invalid = i;
            late = l;
        } catch (RuntimeException | DataFormatException e) {
            // A torn line from a killed child: the next one carries the totals.
        }
    }
}
