package io.kpipe.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A million sensor ids, each seen once, through the real topology in a JVM with a 128 MB heap:
 * what the processor keeps per id must go when its windows close. Before the live query index
 * was bounded it kept every id ever seen and this JVM ended with an OutOfMemoryError.
 */
class UniqueIdFloodTest {
    @Test
    @Timeout(300)
    void shouldStreamAMillionUniqueSensorIdsThroughASmallHeap() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-Xmx128m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), UniqueIdFlood.class.getName(), "1000000", "10000"))
                .redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);

            assertThat(p.exitValue()).as(out).isZero();
            // 10,000 new ids a minute; the last 10 minutes of them stay queryable: with 110,000 sensors held
            // the query index keeps 9 window lengths, not 10 (LiveWindows.BUDGET / 110,000), so 10 windows.
            assertThat(out).contains("points=1000000 aggregated=1000000 liveSensors=100000 liveWindows=100000");
        } finally {
            p.destroyForcibly();
        }
    }
}
