package io.kpipe.run;

import io.kpipe.process.ProcessingStats;
import io.kpipe.terminal.Bar;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * One line a second while a run is on, each also kept as a {@link Sample}:
 * <pre>[  12s/60s] in 330,112/s  out 325,010/s  lag 12,345  p50 45 ms  p99 210 ms  dlq 0  late 0</pre>
 * Latencies from {@code warmup} on are also gathered into one histogram, and those from the
 * {@link SteadyState steady state} on into another; the second that confirms the steady state
 * prints one line saying when it began.
 */
final class ProgressLine implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kpipe-progress");
        t.setDaemon(true);
        return t;
    });
    private final PrintWriter out;
    private final LongSupplier in;
    private final LiveStats live;
    private final boolean terminal;
    private final ProcessingStats stats;
    private final Duration total;
    private final long warmupS;
    private final long startNanos = System.nanoTime();
    private final List<Sample> samples = new ArrayList<>();
    private final Histogram afterWarmup = new Histogram(3_600_000, 3);
    private final SteadyState steady;
    /** The latencies of the minute under way, and those of the minutes before it. */
    private final Histogram minute = new Histogram(3_600_000, 3);
    private final List<MinuteLatency> minutes = new ArrayList<>();
    private long minuteIndex = 1;
    private long lastIn;
    private long lastOut;
    private long lastNanos = startNanos;

    /**
     * {@code in}: points acknowledged so far (generator and ingest); {@code live}: where the
     * dashboard reads the samples (null: none); {@code terminal}: redraw one line in place with a
     * bar and the time left, instead of printing a line a second.
     */
    ProgressLine(PrintWriter out, LongSupplier in, ProcessingStats stats, Duration total, Duration warmup,
                 long ratePerS, LiveStats live, boolean terminal) {
        this.out = out;
        this.in = in;
        this.live = live;
        this.terminal = terminal;
        this.stats = stats;
        this.total = total;
        this.warmupS = warmup.toSeconds();
        this.steady = new SteadyState(ratePerS);
    }

    ProgressLine start() {
        timer.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        return this;
    }

    private synchronized void tick() {
        long now = System.nanoTime();
        long in = this.in.getAsLong();
        long processed = stats.processed();
        double secs = (now - lastNanos) / 1e9;
        Histogram h = stats.takeInterval();
        long elapsed = Math.round((now - startNanos) / 1e9);
        if (elapsed > warmupS) {
            afterWarmup.add(h);
        }
        if (MinuteLatency.of(elapsed) != minuteIndex) {
            closeMinute();
            minuteIndex = MinuteLatency.of(elapsed);
        }
        minute.add(h);
        Sample s = new Sample(elapsed, Math.round((in - lastIn) / secs), Math.round((processed - lastOut) / secs),
                Math.max(0, in - processed), pct(h, 50), pct(h, 99));
        samples.add(s);
        // Steady state is reached while sending: the drain's seconds (no input, then nothing left) cannot
        // make a run steady, but once it is, their latencies belong to the steady state's.
        boolean steadyNow = (elapsed <= total.toSeconds() || steady.reachedAtS() >= 0) && steady.add(s, h);
        if (live != null) {
            live.add(s, stats.invalid(), stats.alerts());
        }
        String figures = String.format(Locale.ROOT,
                "in %,9d/s  out %,9d/s  lag %,10d  p50 %,6d ms  p99 %,6d ms  dlq %,d  late %,d",
                s.inPerS(), s.outPerS(), s.lag(), s.p50Ms(), s.p99Ms(), stats.invalid(), stats.late());
        if (terminal) {
            out.print("\r" + Bar.render(elapsed, total.toSeconds(), 20) + " " + figures + "\u001b[K");
        } else {
            String when = elapsed <= total.toSeconds()
                    ? String.format(Locale.ROOT, "%4ds/%ds", elapsed, total.toSeconds())
                    : String.format(Locale.ROOT, "%4ds drain", elapsed);
            out.printf(Locale.ROOT, "[%s] %s%n", when, figures);
        }
        if (steadyNow) {
            out.printf(Locale.ROOT, "%ssteady state from %ds: lag under 1 s of data and p99 under %d ms for %d s%n",
                    terminal ? "\n" : "", steady.reachedAtS(), SteadyState.P99_MS, SteadyState.HOLD_S);
        }
        out.flush();
        lastIn = in;
        lastOut = processed;
        lastNanos = now;
    }

    static long pct(Histogram h, double p) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(p);
    }

    /** Samples so far, one a second. */
    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    private void closeMinute() {
        minutes.add(minuteSoFar());
        minute.reset();
    }

    private MinuteLatency minuteSoFar() {
        return new MinuteLatency(minuteIndex, minute.getTotalCount(), pct(minute, 50), pct(minute, 99),
                minute.getTotalCount() == 0 ? 0 : minute.getMaxValue());
    }

    /** The latencies of each minute so far, the one under way (if it has begun) last. */
    synchronized List<MinuteLatency> minutes() {
        List<MinuteLatency> all = new ArrayList<>(minutes);
        if (!samples.isEmpty()) {
            all.add(minuteSoFar());
        }
        return List.copyOf(all);
    }

    /** Latencies recorded after the warm-up. */
    synchronized Histogram afterWarmup() {
        return afterWarmup.copy();
    }

    /** The second the steady state began, counted from the start, or -1 if it was not reached. */
    synchronized long steadyFromS() {
        return steady.reachedAtS();
    }

    /** Latencies recorded from the steady state on. */
    synchronized Histogram afterSteady() {
        return steady.latencies();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (terminal) {
            synchronized (this) {
                out.println();
                out.flush();
            }
        }
    }
}
