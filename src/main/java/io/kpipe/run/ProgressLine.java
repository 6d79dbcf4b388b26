package io.kpipe.run;

import io.kpipe.generate.Generator;
import io.kpipe.process.ProcessingStats;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * One line a second while a run is on: elapsed/total, points/s in and out, lag, latency, dead letters.
 * <pre>[  12s/60s] in 330,112/s  out 325,010/s  lag 12,345  p50 45 ms  p99 210 ms  dlq 0  late 0</pre>
 */
final class ProgressLine implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kpipe-progress");
        t.setDaemon(true);
        return t;
    });
    private final PrintWriter out;
    private final Generator generator;
    private final ProcessingStats stats;
    private final Duration total;
    private final long startNanos = System.nanoTime();
    private long lastIn;
    private long lastOut;
    private long lastNanos = startNanos;

    ProgressLine(PrintWriter out, Generator generator, ProcessingStats stats, Duration total) {
        this.out = out;
        this.generator = generator;
        this.stats = stats;
        this.total = total;
    }

    ProgressLine start() {
        timer.scheduleAtFixedRate(this::print, 1, 1, TimeUnit.SECONDS);
        return this;
    }

    private synchronized void print() {
        long now = System.nanoTime();
        long in = generator.acked();
        long processed = stats.processed();
        double secs = (now - lastNanos) / 1e9;
        Histogram h = stats.takeInterval();
        long elapsed = Math.round((now - startNanos) / 1e9);
        String when = elapsed <= total.toSeconds()
                ? String.format(Locale.ROOT, "%4ds/%ds", elapsed, total.toSeconds())
                : String.format(Locale.ROOT, "%4ds drain", elapsed);
        out.printf(Locale.ROOT, "[%s] in %,9.0f/s  out %,9.0f/s  lag %,10d  p50 %,6d ms  p99 %,6d ms  dlq %,d  late %,d%n",
                when, (in - lastIn) / secs, (processed - lastOut) / secs, Math.max(0, in - processed),
                h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(50),
                h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99),
                stats.invalid(), stats.late());
        out.flush();
        lastIn = in;
        lastOut = processed;
        lastNanos = now;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
