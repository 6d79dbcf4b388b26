package io.kpipe.bench;

import io.kpipe.config.Engine;
import io.kpipe.lifecycle.JvmStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a trial of the engines scenario costs, sampled once a second on a thread of its own: the CPU
 * time of every process of the run (this JVM, with the generator and the books; each broker; the
 * engine's JVM; any other process this JVM started), and the engine JVM's RSS ({@code VmRSS}) and
 * heap after GC (the {@link JvmStats} file it writes beside its settings file). The engine's JVM is
 * found among this JVM's descendants by its command line: {@code SparkMain} for Spark, a child
 * {@code kpipe process --child --config-file F} for Kafka Streams.
 */
final class EngineMeter implements AutoCloseable {
    /** One sample: wall time, total CPU ns of every process of the run, and the engine JVM's memory (-1: unknown). */
    record Point(long wallMs, long cpuNs, long engineRssBytes, long engineHeapAfterGcBytes) {}

    private final Engine engine;
    private final List<Point> points = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stop;

    private EngineMeter(Engine engine) {
        this.engine = engine;
        this.thread = new Thread(this::loop, "kpipe-bench-engine-meter");
        thread.setDaemon(true);
    }

    static EngineMeter start(Engine engine) {
        EngineMeter m = new EngineMeter(engine);
        m.thread.start();
        return m;
    }

    private void loop() {
        while (!stop) {
            Point p = sample();
            synchronized (this) {
                points.add(p);
            }
            try {
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private Point sample() {
        long wall = System.currentTimeMillis();
        ProcessHandle self = ProcessHandle.current();
        long cpu = cpuNs(self);
        ProcessHandle engineJvm = null;
        for (ProcessHandle p : (Iterable<ProcessHandle>) self.descendants()::iterator) {
            cpu += cpuNs(p);
            if (engineJvm == null && statsFile(p) != null) {
                engineJvm = p;
            }
        }
        long rss = -1;
        long heap = -1;
        if (engineJvm != null) {
            rss = rssBytes(engineJvm.pid());
            JvmStats.Snapshot s = JvmStats.read(statsFile(engineJvm), engineJvm.pid());
            heap = s == null ? -1 : s.heapAfterGcBytes();
        }
        return new Point(wall, cpu, rss, heap);
    }

    private static long cpuNs(ProcessHandle p) {
        return p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    /** The {@link JvmStats} file of {@code p} if it is the engine's JVM, else null. */
    private Path statsFile(ProcessHandle p) {
        String[] args = p.info().arguments().orElse(new String[0]);
        if (engine == Engine.SPARK) {
            for (int i = 0; i < args.length - 1; i++) {
                if (args[i].equals("io.kpipe.spark.SparkMain")) {
                    return Path.of(args[i + 1]).toAbsolutePath().resolveSibling(JvmStats.FILE);
                }
            }
            return null;
        }
        boolean child = false;
        Path config = null;
        for (int i = 0; i < args.length; i++) {
            child |= args[i].equals("--child");
            if (args[i].equals("--config-file") && i + 1 < args.length) {
                config = Path.of(args[i + 1]);
            }
        }
        return child && config != null ? config.toAbsolutePath().resolveSibling(JvmStats.FILE) : null;
    }

    /** {@code VmRSS} of {@code /proc/<pid>/status}, or -1. */
    static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The samples so far. */
    synchronized List<Point> points() {
        return List.copyOf(points);
    }

    /**
     * The cost over {@code [fromMs, toMs]}: CPU ns between the last sample at or before {@code fromMs} and
     * the first at or after {@code toMs} (scaled to the window if those are wider), and the engine's peak
     * RSS and heap after GC within it (-1: none seen). Empty if the samples do not cover the window.
     */
    static Optional<Cost> cost(List<Point> points, long fromMs, long toMs) {
        Point a = null;
        Point b = null;
        long rss = -1;
        long heap = -1;
        for (Point p : points) {
            if (p.wallMs() <= fromMs) {
                a = p;
            }
            if (b == null && p.wallMs() >= toMs) {
                b = p;
            }
            if (p.wallMs() >= fromMs && p.wallMs() <= toMs) {
                rss = Math.max(rss, p.engineRssBytes());
                heap = Math.max(heap, p.engineHeapAfterGcBytes());
            }
        }
        if (a == null || b == null || b.wallMs() <= a.wallMs()) {
            return Optional.empty();
        }
        double scale = (double) (toMs - fromMs) / (b.wallMs() - a.wallMs());
        return Optional.of(new Cost(Math.round((b.cpuNs() - a.cpuNs()) * scale), rss, heap));
    }

    /** CPU ns of every process of the run in a window, and the engine JVM's peaks there (-1: unknown). */
    record Cost(long cpuNs, long engineRssBytes, long engineHeapAfterGcBytes) {}

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.interrupt();
        thread.join(5_000);
    }
}
