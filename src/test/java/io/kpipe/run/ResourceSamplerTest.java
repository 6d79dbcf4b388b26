package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kpipe.lifecycle.JvmStats;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The sampler on this JVM, a child process and real directories. */
class ResourceSamplerTest {
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void shouldReadTheRssAndOpenFilesOfAProcessAndNothingOfOneThatIsGone() throws Exception {
        long self = ProcessHandle.current().pid();
        long before = ResourceSampler.openFds(self);
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("held").toFile(), "rw")) {
            assertThat(ResourceSampler.openFds(self)).isEqualTo(before + 1);
        }
        assertThat(ResourceSampler.rssBytes(self)).isPositive();
        Process p = new ProcessBuilder("true").start();
        p.waitFor(10, TimeUnit.SECONDS);
        assertThat(ResourceSampler.rssBytes(p.pid())).isNull();
        assertThat(ResourceSampler.openFds(p.pid())).isNull();
    }

    @Test
    void shouldCountTheBlocksAFileTakesNotItsLengthAsKafkasSparseIndexFilesHoldNothing() throws Exception {
        Path written = Files.createDirectories(dir.resolve("written"));
        byte[] data = new byte[(int) (4 * MIB)];
        new java.util.Random(1).nextBytes(data);   // not zeros, which a file system may not store
        Files.write(written.resolve("segment.log"), data);
        Path sparse = Files.createDirectories(dir.resolve("sparse"));
        try (RandomAccessFile f = new RandomAccessFile(sparse.resolve("00000.index").toFile(), "rw")) {
            f.setLength(10 * MIB);   // as Kafka preallocates an active segment's index
        }

        Map<String, Long> du = ResourceSampler.du(Map.of("written", written, "sparse", sparse,
                "missing", dir.resolve("missing")));

        assertThat(du).containsOnlyKeys("written", "sparse");
        assertThat(du.get("written")).isBetween(4 * MIB, 4 * MIB + MIB / 4);
        assertThat(du.get("sparse")).isLessThan(MIB / 4);
    }

    @Test
    @Timeout(60)
    void shouldSampleFromTheStartUntilItStopsAndFollowTheJvmsItWatches() throws Exception {
        Path statsFile = dir.resolve(JvmStats.FILE);
        Files.writeString(statsFile, "pid=" + ProcessHandle.current().pid() + " heap_after_gc_bytes=123 gc_pause_ms=7 gc_count=2\n");
        Files.write(dir.resolve("data"), new byte[(int) MIB]);
        ResourceSampler s = new ResourceSampler(Duration.ofMillis(200))
                .watch(ResourceSampler.Jvm.self())
                .watch(new ResourceSampler.Jvm("file", () -> ProcessHandle.current().pid(), statsFile))
                .watch(new ResourceSampler.Jvm("absent", () -> -1, null))
                .disk("broker-1", dir);
        s.start(System.nanoTime());
        await().atMost(Duration.ofSeconds(30)).until(() -> s.series().tS().size() >= 3);
        s.stop();
        ResourceSeries r = s.series();

        int n = r.tS().size();
        assertThat(n).isGreaterThanOrEqualTo(4);   // at 0 s, every 200 ms, and once more at the stop
        assertThat(r.tS().get(0)).isZero();
        assertThat(r.jvms()).containsOnlyKeys("kpipe", "file");
        assertThat(r.jvms().get("kpipe").rssBytes()).hasSize(n).doesNotContainNull();
        assertThat(r.jvms().get("kpipe").openFds()).hasSize(n).doesNotContainNull();
        assertThat(r.jvms().get("kpipe").gcPauseMs().subList(1, n)).doesNotContainNull();
        assertThat(r.jvms().get("file").heapAfterGcBytes()).hasSize(n).containsOnly(123L);
        assertThat(r.jvms().get("file").gcPauseMs()).hasSize(n).startsWith((Long) null).containsOnly(null, 0L);
        assertThat(r.diskBytes().get("broker-1")).hasSize(n).allSatisfy(b -> assertThat(b).isGreaterThanOrEqualTo(MIB));
        assertThat(s.series().tS()).hasSize(n);   // stopped: no more samples
    }
}
