package io.kpipe.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JvmStatsTest {
    @TempDir
    Path dir;

    @Test
    void shouldGiveTheHeapAfterTheLastCollectionAndThePausesSoFar() {
        JvmStats.Snapshot before = JvmStats.now();
        System.gc();
        JvmStats.Snapshot after = JvmStats.now();

        assertThat(after.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(after.gcCount()).isGreaterThan(before.gcCount());
        assertThat(after.gcPauseMs()).isGreaterThanOrEqualTo(before.gcPauseMs());
        assertThat(after.heapAfterGcBytes()).isPositive()
                .isLessThanOrEqualTo(Runtime.getRuntime().totalMemory());
        // System.gc() is a full collection (no -XX:+ExplicitGCInvokesConcurrent here): the live heap.
        assertThat(after.liveBytes()).isPositive().isLessThanOrEqualTo(Runtime.getRuntime().totalMemory());
        assertThat(after.fullGcCount()).isGreaterThan(before.fullGcCount());
    }

    /**
     * A child asked for a full collection runs one within its period and writes its live heap; a
     * request left from before it started (for an earlier life of it) it does not run.
     */
    @Test
    void shouldRunAFullCollectionInTheChildWhenTheParentAsks() throws Exception {
        Path file = dir.resolve(JvmStats.FILE);
        JvmStats.requestFullGc(file);   // before the child's start
        Thread.sleep(5);
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseG1GC", "-cp", System.getProperty("java.class.path"), StatsChild.class.getName(),
                file.toString()).redirectErrorStream(true).start();
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> JvmStats.read(file, child.pid()) != null);
            // Its thread looks at the request before it first writes: the old one was not run.
            assertThat(JvmStats.read(file, child.pid()).liveBytes()).as("no full collection yet").isEqualTo(-1);
            assertThat(JvmStats.read(file, child.pid()).fullGcCount()).isZero();

            JvmStats.requestFullGc(file);

            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> JvmStats.read(file, child.pid()).liveBytes() > 0);
            assertThat(JvmStats.read(file, child.pid()).fullGcCount()).isEqualTo(1);
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    /** A child JVM as kpipe starts them: it writes its figures every 200 ms, and does nothing else. */
    public static final class StatsChild {
        public static void main(String[] args) throws InterruptedException {
            JvmStats.writeEvery(Path.of(args[0]), java.time.Duration.ofMillis(200));
            Thread.sleep(120_000);
        }
    }

    @Test
    void shouldHandTheFiguresToTheWatcherThroughAFileOfTheSamePid() throws Exception {
        Path file = dir.resolve(JvmStats.FILE);
        JvmStats.write(file);

        long pid = ProcessHandle.current().pid();
        JvmStats.Snapshot read = JvmStats.read(file, pid);
        assertThat(read).isNotNull();
        assertThat(read.pid()).isEqualTo(pid);
        assertThat(Files.readString(file))
                .matches("pid=" + pid + " heap_after_gc_bytes=-?\\d+ gc_pause_ms=\\d+ gc_count=\\d+ live_bytes=-?\\d+ "
                        + "full_gc_count=\\d+\n");
        assertThat(JvmStats.read(file, pid + 1)).isNull();   // a killed child's file is not its successor's
        assertThat(JvmStats.read(dir.resolve("none"), pid)).isNull();
        assertThat(Files.exists(dir.resolve(JvmStats.FILE + ".tmp"))).isFalse();
    }

    @Test
    void shouldReadBackWhatItWritesAndNothingElse() {
        JvmStats.Snapshot s = new JvmStats.Snapshot(42, 1_000, 17, 3, 800, 1);

        assertThat(JvmStats.Snapshot.parse(s.line())).isEqualTo(s);
        // A line of a child of an earlier kpipe: no live heap, full collections not known.
        assertThat(JvmStats.Snapshot.parse("pid=42 heap_after_gc_bytes=1000 gc_pause_ms=17 gc_count=3"))
                .isEqualTo(new JvmStats.Snapshot(42, 1_000, 17, 3, -1, -1));
        assertThat(JvmStats.isFull("G1 Old Generation")).isTrue();
        assertThat(JvmStats.isFull("G1 Young Generation")).isFalse();
        assertThat(JvmStats.isFull("G1 Concurrent GC")).isFalse();
        assertThat(JvmStats.isFull("ZGC Minor Cycles")).isFalse();
        assertThat(JvmStats.isFull("ZGC Major Cycles")).isTrue();
        assertThat(JvmStats.Snapshot.parse("pid=42 heap_after_gc_bytes=1000")).isNull();
        assertThat(JvmStats.Snapshot.parse("pid=x heap_after_gc_bytes=1 gc_pause_ms=1 gc_count=1")).isNull();
        assertThat(JvmStats.Snapshot.parse("")).isNull();
    }
}
