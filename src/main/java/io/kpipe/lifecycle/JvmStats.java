package io.kpipe.lifecycle;

import com.sun.management.GcInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Heap after GC, live heap and GC pause time of a JVM, read from its own MXBeans, and a file through
 * which a child JVM (a broker, a processor) hands them to the kpipe JVM that watches it (and one
 * through which that JVM asks the child for a full collection).
 *
 * <ul>
 * <li>heap after GC: the heap in use right after the most recent collection: the memory pools of
 *     type heap, summed, from the {@code GcInfo} of whichever collector ran last; -1 before the
 *     first collection.</li>
 * <li>GC pause time: the collection time of every collector of the JVM, summed, except those that
 *     count concurrent cycles rather than pauses (named {@code ... Cycles}: ZGC, Shenandoah). With
 *     G1 on Java 17 that is the young and mixed collections and full collections; the remark and
 *     cleanup pauses of a concurrent cycle are counted by no bean before Java 20.</li>
 * <li>live heap: the heap in use right after the most recent <em>full</em> collection (G1's
 *     {@code G1 Old Generation} bean; {@code MarkSweep} of the other collectors), which leaves only
 *     what is reachable: the live set, where the heap after a young collection is anywhere on G1's
 *     sawtooth. -1 before the first full collection; {@link #requestFullGc} asks for one.</li>
 * </ul>
 *
 * A child calls {@link #writeEvery} once; every period a daemon thread replaces the file with one
 * line, {@code pid=<pid> heap_after_gc_bytes=<n> gc_pause_ms=<n> gc_count=<n> live_bytes=<n>}
 * (written to a temporary file and moved over the old one, so a reader never sees half a line). The
 * parent {@link #read reads} it when it samples, and ignores a file of another PID (a killed child's).
 * The same thread runs a full collection ({@code System.gc()}) when the parent has asked for one
 * since it last looked ({@link #requestFullGc}: a file beside the stats file holding the time of the
 * request).
 */
public final class JvmStats {
    /** The file's name, in the child's own directory (beside its configuration). */
    public static final String FILE = "jvm-stats";
    /** How often a child JVM rewrites its file: well under the sampler's period, so a sample is at most this old. */
    public static final Duration CHILD_PERIOD = Duration.ofSeconds(2);

    /**
     * One reading. {@code heapAfterGcBytes} is -1 before the first collection, {@code liveBytes} before
     * the first full one; {@code fullGcCount} counts the full collections so far (-1: not known, a line
     * of an older kpipe), so a reader can tell a new live heap from one carried over.
     */
    public record Snapshot(long pid, long heapAfterGcBytes, long gcPauseMs, long gcCount, long liveBytes,
                           long fullGcCount) {
        String line() {
            return "pid=" + pid + " heap_after_gc_bytes=" + heapAfterGcBytes + " gc_pause_ms=" + gcPauseMs
                    + " gc_count=" + gcCount + " live_bytes=" + liveBytes + " full_gc_count=" + fullGcCount;
        }

        /** The inverse of {@link #line()}; null if the text is not such a line. */
        static Snapshot parse(String text) {
            try {
                Map<String, Long> f = java.util.Arrays.stream(text.trim().split(" "))
                        .map(kv -> kv.split("=", 2))
                        .collect(Collectors.toMap(kv -> kv[0], kv -> Long.parseLong(kv[1])));
                return new Snapshot(f.get("pid"), f.get("heap_after_gc_bytes"), f.get("gc_pause_ms"), f.get("gc_count"),
                        f.getOrDefault("live_bytes", -1L), f.getOrDefault("full_gc_count", -1L));
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    private JvmStats() {}

    /** This JVM, now. */
    public static Snapshot now() {
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
        long pause = 0;
        long count = 0;
        GcInfo last = null;
        GcInfo lastFull = null;
        long fullCount = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!gc.getName().endsWith("Cycles")) {
                pause += Math.max(0, gc.getCollectionTime());
                count += Math.max(0, gc.getCollectionCount());
            }
            if (gc instanceof com.sun.management.GarbageCollectorMXBean hotspot) {
                GcInfo info = hotspot.getLastGcInfo();
                if (info != null && (last == null || info.getEndTime() > last.getEndTime())) {
                    last = info;
                }
                if (isFull(gc.getName())) {
                    fullCount += Math.max(0, gc.getCollectionCount());
                    if (info != null) {
                        lastFull = info;
                    }
                }
            }
        }
        return new Snapshot(ProcessHandle.current().pid(), heapAfter(last, heapPools), pause, count,
                heapAfter(lastFull, heapPools), fullCount);
    }

    /**
     * Whether the collector of this name collects the whole heap: G1's and Parallel's full
     * collections, and the cycles of ZGC and Shenandoah except ZGC's minor (young) ones.
     */
    static boolean isFull(String collector) {
        return collector.endsWith("Old Generation") || collector.contains("MarkSweep")
                || (collector.endsWith("Cycles") && !collector.contains("Minor"));
    }

    /** The heap pools in use after {@code gc}, summed; -1 for none. */
    private static long heapAfter(GcInfo gc, Set<String> heapPools) {
        if (gc == null) {
            return -1;
        }
        long after = 0;
        for (Map.Entry<String, MemoryUsage> e : gc.getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(e.getKey())) {
                after += e.getValue().getUsed();
            }
        }
        return after;
    }

    /** The file beside {@code statsFile} through which the parent asks its writer for a full collection. */
    public static Path gcRequestFile(Path statsFile) {
        return statsFile.resolveSibling(statsFile.getFileName() + ".gc");
    }

    /**
     * Asks the JVM that writes {@code statsFile} (with {@link #writeEvery}) for a full collection, which
     * it runs within its period; {@code statsFile} null: this JVM, at once. The request is the time it
     * was made: a JVM runs each request made after it started, once (one left by an earlier life of
     * a child is not for its successor). The stop of the world costs that JVM a pause (a few hundred
     * ms for a heap of a few hundred MiB).
     */
    public static void requestFullGc(Path statsFile) {
        if (statsFile == null) {
            System.gc();
            return;
        }
        Path file = gcRequestFile(statsFile);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, Long.toString(System.currentTimeMillis()), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // That JVM's live heap stays as of its previous full collection.
        }
    }

    /**
     * Writes {@link #now()} to {@code file} now and then every {@code period}, from a daemon thread,
     * for as long as this JVM lives. A write that fails is tried again next period.
     */
    public static void writeEvery(Path file, Duration period) {
        Path gcRequest = gcRequestFile(file);
        long started = ManagementFactory.getRuntimeMXBean().getStartTime();
        Thread t = new Thread(() -> {
            long seen = started;   // a request from before this JVM started was for an earlier life of it
            while (true) {
                long asked = request(gcRequest);
                if (asked > seen) {
                    seen = asked;
                    System.gc();
                }
                write(file);
                try {
                    Thread.sleep(period.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "kpipe-jvm-stats");
        t.setDaemon(true);
        t.start();
    }

    /** The time of the latest request (epoch ms), or -1 if there is none. */
    private static long request(Path gcRequest) {
        try {
            return Long.parseLong(Files.readString(gcRequest, StandardCharsets.UTF_8).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    static void write(Path file) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, now().line() + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            // The watcher misses one reading; the next period writes again.
        }
    }

    /** What the JVM of {@code pid} last wrote to {@code file}; null if there is none from that PID. */
    public static Snapshot read(Path file, long pid) {
        try {
            Snapshot s = Snapshot.parse(Files.readString(file, StandardCharsets.UTF_8));
            return s != null && s.pid() == pid ? s : null;
        } catch (IOException e) {
            return null;
        }
    }
}
