package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceSeriesTest {
    @Test
    void shouldLineUpEverySeriesWithTheSampleTimesAndCountPausesPerIntervalOfOneProcess() {
        List<ResourceSampler.Row> rows = List.of(
                row(0, Map.of("kpipe", new ResourceSampler.JvmRow(1, 100L, 10L, null, 50L, 40L, 2L)), Map.of("broker-1", 1000L)),
                row(5, jvms("kpipe", new ResourceSampler.JvmRow(1, 110L, 11L, 40L, 70L, 30L, 3L),
                        "processor-1", new ResourceSampler.JvmRow(7, 300L, 30L, 20L, 5L, null, 0L)), Map.of("broker-1", 2000L)),
                // processor 1 killed; du could not read the broker's directory
                row(10, Map.of("kpipe", new ResourceSampler.JvmRow(1, 120L, 12L, 41L, 75L, 30L, 3L)), Map.of()),
                // processor 1 restarted: a new process, whose pauses since its start are no interval's
                row(15, jvms("kpipe", new ResourceSampler.JvmRow(1, 130L, 13L, 42L, 80L, 31L, 4L),
                        "processor-1", new ResourceSampler.JvmRow(8, 200L, 20L, 10L, 3L, 9L, 1L)), Map.of("broker-1", 3000L)));

        ResourceSeries s = ResourceSeries.of(5, rows);

        assertThat(s.everyS()).isEqualTo(5);
        assertThat(s.tS()).containsExactly(0L, 5L, 10L, 15L);
        assertThat(s.jvms()).containsOnlyKeys("kpipe", "processor-1");
        ResourceSeries.JvmSeries k = s.jvms().get("kpipe");
        assertThat(k.rssBytes()).containsExactly(100L, 110L, 120L, 130L);
        assertThat(k.openFds()).containsExactly(10L, 11L, 12L, 13L);
        assertThat(k.heapAfterGcBytes()).containsExactly(null, 40L, 41L, 42L);
        assertThat(k.gcPauseMs()).containsExactly(null, 20L, 5L, 5L);
        assertThat(k.gcPauseMsTotal()).isEqualTo(30);
        // Only where a full collection ran since the sample before (not the first's, which may be older).
        assertThat(k.liveBytes()).containsExactly(null, 30L, null, 31L);
        ResourceSeries.JvmSeries p = s.jvms().get("processor-1");
        assertThat(p.rssBytes()).containsExactly(null, 300L, null, 200L);
        assertThat(p.openFds()).containsExactly(null, 30L, null, 20L);
        assertThat(p.heapAfterGcBytes()).containsExactly(null, 20L, null, 10L);
        assertThat(p.gcPauseMs()).containsExactly(null, null, null, null);
        assertThat(p.liveBytes()).as("a restarted JVM's first sample has no interval").containsExactly(null, null, null, null);
        assertThat(s.diskBytes().get("broker-1")).containsExactly(1000L, 2000L, null, 3000L);
        assertThat(s.diskTotal()).containsExactly(1000L, 2000L, null, 3000L);
    }

    @Test
    void shouldSumTheBrokersDisksAndHaveNoTotalWhereOneIsMissing() {
        ResourceSeries s = new ResourceSeries(5, List.of(0L, 5L), Map.of(),
                new LinkedHashMap<>(Map.of("broker-1", List.of(10L, 20L), "broker-2", Arrays.asList(1L, null))));

        assertThat(s.diskTotal()).containsExactly(11L, null);
        assertThat(ResourceSeries.empty(5).diskTotal()).isEmpty();
    }

    private static ResourceSampler.Row row(long t, Map<String, ResourceSampler.JvmRow> jvms, Map<String, Long> disk) {
        return new ResourceSampler.Row(t, jvms, disk);
    }

    private static Map<String, ResourceSampler.JvmRow> jvms(String a, ResourceSampler.JvmRow ra, String b,
                                                            ResourceSampler.JvmRow rb) {
        Map<String, ResourceSampler.JvmRow> m = new LinkedHashMap<>();
        m.put(a, ra);
        m.put(b, rb);
        return m;
    }
}
