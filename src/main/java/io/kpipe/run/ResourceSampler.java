package io.kpipe.run;

import io.kpipe.lifecycle.JvmStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a long run costs the machine, sampled every few seconds on a thread of its own, away from
 * the points: for every JVM of the run (kpipe's own, each broker, each processor child) its RSS
 * ({@code VmRSS} of {@code /proc/<pid>/status}), its open file handles (entries of
 * {@code /proc/<pid>/fd}), its heap after GC, its GC pause time and its live heap ({@link JvmStats}:
 * in this JVM from its MXBeans, in a child from the file the child writes; the live heap only with
 * {@link #fullGcEvery}), and the disk each broker's log
 * directory takes ({@code du -s -B1}: blocks allocated, so the index files Kafka preallocates
 * sparse at 10 MiB count as what they hold).
 *
 * <pre>
 * ResourceSampler s = new ResourceSampler(Duration.ofSeconds(5)).watch(ResourceSampler.Jvm.self())
 *         .watch(new ResourceSampler.Jvm("broker-1", broker::pid, brokerDir.resolve(JvmStats.FILE)))
 *         .disk("broker-1", logDir);
 * new PipelineRun(config, out).sampler(s).execute();   // starts it with the progress line, stops it after the drain
 * ResourceSeries series = s.series();
 * </pre>
 *
 * A JVM that is not running at a sample (killed, not yet restarted) has no values there; a restarted
 * one is followed under its new PID. Samples are taken at 0 s (the start of sending), every period,
 * and once more when the sampler stops.
 */
public final class ResourceSampler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ResourceSampler.class);
    private static final long DU_TIMEOUT_S = 30;

    /**
     * A JVM to watch: its name in the report, its PID now (-1: none), and the {@link JvmStats} file
     * it writes (null: this JVM, read in-process).
     */
    public record Jvm(String name, LongSupplier pid, Path statsFile) {
        /** The JVM this sampler runs in, named {@code kpipe}. */
        public static Jvm self() {
            return new Jvm("kpipe", () -> ProcessHandle.current().pid(), null);
        }
    }

    /** One JVM at one sample; any figure may be missing (null). {@code gcPauseMsTotal} counts from the JVM's start. */
    record JvmRow(long pid, Long rssBytes, Long openFds, Long heapAfterGcBytes, Long gcPauseMsTotal, Long liveBytes,
                  Long fullGcCount) {}

    /** One sample: seconds since the start of sending, each running JVM by name, each broker's disk by name. */
    record Row(long tS, Map<String, JvmRow> jvms, Map<String, Long> disk) {}

    private final Duration every;
    private final List<Jvm> jvms = new CopyOnWriteArrayList<>();
    private final Map<String, Path> disks = new LinkedHashMap<>();
    private final List<Row> rows = new ArrayList<>();
    private ScheduledExecutorService timer;
    private long originNanos;
    private Duration fullGcEvery;
    private long lastFullGcNanos;

    public ResourceSampler(Duration every) {
        if (every.toMillis() < 100) {
            throw new IllegalArgumentException("sample period must be at least 100 ms, got " + every);
        }
        this.every = every;
    }

    /** Watches one more JVM, also one added while sampling (a processor started by the run). */
    public ResourceSampler watch(Jvm jvm) {
        jvms.add(jvm);
        return this;
    }

    /**
     * Asks every JVM watched for a full collection every {@code period}, the first one {@code period}
     * after the start, so that their live heap ({@link JvmStats}) is sampled: the heap after such a
     * collection, which holds only what is reachable. Each request costs each JVM a pause.
     */
    public synchronized ResourceSampler fullGcEvery(Duration period) {
        this.fullGcEvery = period;
        return this;
    }

    /** Samples the disk used under {@code dir} (a broker's log directory) as {@code name}. */
    public synchronized ResourceSampler disk(String name, Path dir) {
        disks.put(name, dir);
        return this;
    }

    /** Takes the first sample (0 s) now and then one every period, counting time from {@code originNanos}. */
    synchronized void start(long originNanos) {
        if (timer != null) {
            throw new IllegalStateException("the sampler has started already");
        }
        this.originNanos = originNanos;
        this.lastFullGcNanos = originNanos;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kpipe-resource-sampler");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::sampleQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops sampling after one last sample. */
    void stop() throws InterruptedException {
        ScheduledExecutorService t;
        synchronized (this) {
            t = timer;
        }
        if (t == null || t.isShutdown()) {
            return;
        }
        t.shutdown();
        if (!t.awaitTermination(DU_TIMEOUT_S + 5, TimeUnit.SECONDS)) {
            t.shutdownNow();
            return;   // a sample hung (du is bounded by its own timeout): no last sample on the caller's thread
        }
        sampleQuietly();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /** Seconds between samples. */
    public long everyS() {
        return Math.max(1, Math.round(every.toMillis() / 1000.0));
    }

    /** The samples so far, as one series per figure and JVM. */
    public synchronized ResourceSeries series() {
        return ResourceSeries.of(everyS(), rows);
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (RuntimeException e) {
            log.warn("resource sample failed: {}", e.toString());
        }
    }

    private void sample() {
        Map<String, Path> dirs;
        synchronized (this) {
            dirs = new LinkedHashMap<>(disks);
        }
        long now = System.nanoTime();
        long t = Math.round((now - originNanos) / 1e9);
        Duration gcEvery;
        synchronized (this) {
            gcEvery = fullGcEvery;
        }
        if (gcEvery != null && now - lastFullGcNanos >= gcEvery.toNanos()) {
            // Every period from the start, not from this sample: a late sample does not delay the next.
            lastFullGcNanos = Math.max(lastFullGcNanos + gcEvery.toNanos(), now - gcEvery.toNanos() / 2);
            for (Jvm j : jvms) {
                if (j.pid().getAsLong() >= 0) {
                    JvmStats.requestFullGc(j.statsFile());
                }
            }
        }
        Map<String, JvmRow> byName = new LinkedHashMap<>();
        for (Jvm j : jvms) {
            long pid = j.pid().getAsLong();
            JvmRow row = pid < 0 ? null : jvmRow(j, pid);
            if (row != null) {
                byName.put(j.name(), row);
            }
        }
        Map<String, Long> disk = du(dirs);
        synchronized (this) {
            rows.add(new Row(t, byName, disk));
        }
    }

    /** Null when the process is not there (any more). */
    private static JvmRow jvmRow(Jvm j, long pid) {
        Long rss = rssBytes(pid);
        if (rss == null) {
            return null;
        }
        JvmStats.Snapshot s = j.statsFile() == null ? JvmStats.now() : JvmStats.read(j.statsFile(), pid);
        return new JvmRow(pid, rss, openFds(pid), s == null || s.heapAfterGcBytes() < 0 ? null : s.heapAfterGcBytes(),
                s == null ? null : s.gcPauseMs(), s == null || s.liveBytes() < 0 ? null : s.liveBytes(),
                s == null || s.fullGcCount() < 0 ? null : s.fullGcCount());
    }

    /** {@code VmRSS} of {@code /proc/<pid>/status} in bytes; null if the process is gone. */
    static Long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    return 1024 * Long.parseLong(line.substring(6).replace("kB", "").trim());
                }
            }
            return null;   // a zombie has no VmRSS
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** Entries of {@code /proc/<pid>/fd}; null if they cannot be listed. */
    static Long openFds(long pid) {
        long n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path ignored : fds) {
                n++;
            }
            return n;
        } catch (IOException | RuntimeException e) {
            return null;   // gone, or gone while being listed
        }
    }

    /** Bytes allocated under each directory, by {@code du}; a directory it cannot read has no entry. */
    static Map<String, Long> du(Map<String, Path> dirs) {
        Map<String, Long> bytes = new LinkedHashMap<>();
        if (dirs.isEmpty()) {
            return bytes;
        }
        List<String> cmd = new ArrayList<>(List.of("du", "-s", "-B1"));
        dirs.values().forEach(d -> cmd.add(d.toString()));
        try {
            // Output to a file, not a pipe: reading a pipe would wait for du however long it hangs.
            Path outFile = Files.createTempFile("kpipe-du-", ".txt");
            String out;
            try {
                Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD)
                        .redirectOutput(outFile.toFile()).start();
                if (!p.waitFor(DU_TIMEOUT_S, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return bytes;
                }
                out = Files.readString(outFile, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(outFile);
            }
            // du exits 1 when a file vanished under it (a deleted segment) and still prints its totals.
            Map<String, Long> byPath = new LinkedHashMap<>();
            for (String line : out.split("\n")) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    byPath.put(line.substring(tab + 1), Long.parseLong(line.substring(0, tab).trim()));
                }
            }
            dirs.forEach((name, dir) -> {
                Long b = byPath.get(dir.toString());
                if (b != null) {
                    bytes.put(name, b);
                }
            });
        } catch (IOException | NumberFormatException e) {
            log.debug("du failed: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return bytes;
    }
}
