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
    }

    @Test
    void shouldHandTheFiguresToTheWatcherThroughAFileOfTheSamePid() throws Exception {
        Path file = dir.resolve(JvmStats.FILE);
        JvmStats.write(file);

        long pid = ProcessHandle.current().pid();
        JvmStats.Snapshot read = JvmStats.read(file, pid);
        assertThat(read).isNotNull();
        assertThat(read.pid()).isEqualTo(pid);
        assertThat(Files.readString(file)).matches("pid=" + pid + " heap_after_gc_bytes=-?\\d+ gc_pause_ms=\\d+ gc_count=\\d+\n");
        assertThat(JvmStats.read(file, pid + 1)).isNull();   // a killed child's file is not its successor's
        assertThat(JvmStats.read(dir.resolve("none"), pid)).isNull();
        assertThat(Files.exists(dir.resolve(JvmStats.FILE + ".tmp"))).isFalse();
    }

    @Test
    void shouldReadBackWhatItWritesAndNothingElse() {
        JvmStats.Snapshot s = new JvmStats.Snapshot(42, 1_000, 17, 3);

        assertThat(JvmStats.Snapshot.parse(s.line())).isEqualTo(s);
        assertThat(JvmStats.Snapshot.parse("pid=42 heap_after_gc_bytes=1000")).isNull();
        assertThat(JvmStats.Snapshot.parse("pid=x heap_after_gc_bytes=1 gc_pause_ms=1 gc_count=1")).isNull();
        assertThat(JvmStats.Snapshot.parse("")).isNull();
    }
}
