package io.kpipe.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link ResourceSampler}'s samples as series, one value per sample time {@code t_s} (seconds
 * from the start of sending) in each list; null where a JVM was not running or a figure could not
 * be read. JVMs are named {@code kpipe}, {@code broker-N}, {@code processor-N}; disks by broker.
 * {@code gc_pause_ms} is the pause time in the interval that ends at the sample (null at a JVM's
 * first sample, which has no interval before it); {@code live_bytes} the heap after the JVM's latest
 * full collection, only at the samples where a full collection ran since the JVM's previous sample
 * (so a value is never carried over from before, nor from an earlier repeat in the same JVM).
 */
public record ResourceSeries(
        @JsonProperty("every_s") long everyS,
        @JsonProperty("t_s") List<Long> tS,
        @JsonProperty("jvms") Map<String, JvmSeries> jvms,
        @JsonProperty("disk_bytes") Map<String, List<Long>> diskBytes) {

    /** One JVM's series, each as long as {@code t_s}. */
    public record JvmSeries(
            @JsonProperty("rss_bytes") List<Long> rssBytes,
            @JsonProperty("open_fds") List<Long> openFds,
            @JsonProperty("heap_after_gc_bytes") List<Long> heapAfterGcBytes,
            @JsonProperty("gc_pause_ms") List<Long> gcPauseMs,
            @JsonProperty("live_bytes") List<Long> liveBytes) {

        public JvmSeries {
            rssBytes = frozen(rssBytes);
            openFds = frozen(openFds);
            heapAfterGcBytes = frozen(heapAfterGcBytes);
            gcPauseMs = frozen(gcPauseMs);
            liveBytes = frozen(liveBytes);
        }

        /** Total pause time over the series, in ms. */
        public long gcPauseMsTotal() {
            return gcPauseMs.stream().filter(v -> v != null).mapToLong(Long::longValue).sum();
        }
    }

    public ResourceSeries {
        tS = frozen(tS);
        jvms = Collections.unmodifiableMap(new LinkedHashMap<>(jvms));
        Map<String, List<Long>> d = new LinkedHashMap<>();
        diskBytes.forEach((k, v) -> d.put(k, frozen(v)));
        diskBytes = Collections.unmodifiableMap(d);
    }

    /** No samples. */
    public static ResourceSeries empty(long everyS) {
        return new ResourceSeries(everyS, List.of(), Map.of(), Map.of());
    }

    /** Total disk of all brokers at each sample; null where a broker's figure is missing. */
    public List<Long> diskTotal() {
        List<Long> total = new ArrayList<>();
        for (int i = 0; i < tS.size(); i++) {
            Long sum = 0L;
            for (List<Long> one : diskBytes.values()) {
                Long v = one.get(i);
                sum = sum == null || v == null ? null : sum + v;
            }
            total.add(diskBytes.isEmpty() ? null : sum);
        }
        return Collections.unmodifiableList(total);
    }

    static ResourceSeries of(long everyS, List<ResourceSampler.Row> rows) {
        List<Long> t = new ArrayList<>();
        Map<String, List<List<Long>>> cols = new LinkedHashMap<>();   // name -> rss, fds, heap, pause, live
        Map<String, List<Long>> disk = new LinkedHashMap<>();
        Map<String, ResourceSampler.JvmRow> previous = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            ResourceSampler.Row r = rows.get(i);
            t.add(r.tS());
            for (String name : r.jvms().keySet()) {
                cols.computeIfAbsent(name, n -> List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                        new ArrayList<>(), new ArrayList<>()));
            }
            for (String name : r.disk().keySet()) {
                disk.computeIfAbsent(name, n -> new ArrayList<>());
            }
            for (Map.Entry<String, List<List<Long>>> c : cols.entrySet()) {
                List<List<Long>> s = c.getValue();
                pad(s, i);
                ResourceSampler.JvmRow row = r.jvms().get(c.getKey());
                ResourceSampler.JvmRow before = previous.get(c.getKey());
                if (row == null) {
                    s.forEach(l -> l.add(null));
                    previous.remove(c.getKey());
                    continue;
                }
                s.get(0).add(row.rssBytes());
                s.get(1).add(row.openFds());
                s.get(2).add(row.heapAfterGcBytes());
                s.get(3).add(before == null || before.pid() != row.pid() || before.gcPauseMsTotal() == null
                        || row.gcPauseMsTotal() == null ? null : row.gcPauseMsTotal() - before.gcPauseMsTotal());
                boolean freshFullGc = before != null && before.pid() == row.pid() && before.fullGcCount() != null
                        && row.fullGcCount() != null && row.fullGcCount() > before.fullGcCount();
                s.get(4).add(freshFullGc ? row.liveBytes() : null);
                previous.put(c.getKey(), row);
            }
            for (Map.Entry<String, List<Long>> d : disk.entrySet()) {
                while (d.getValue().size() < i) {
                    d.getValue().add(null);
                }
                d.getValue().add(r.disk().get(d.getKey()));
            }
        }
        Map<String, JvmSeries> jvms = new LinkedHashMap<>();
        cols.forEach((name, s) -> jvms.put(name, new JvmSeries(s.get(0), s.get(1), s.get(2), s.get(3), s.get(4))));
        return new ResourceSeries(everyS, t, jvms, disk);
    }

    /** A JVM first seen at sample {@code i} has had no values before it. */
    private static void pad(List<List<Long>> series, int i) {
        for (List<Long> l : series) {
            while (l.size() < i) {
                l.add(null);
            }
        }
    }

    private static List<Long> frozen(List<Long> values) {
        return Collections.unmodifiableList(new ArrayList<>(values));
    }
}
