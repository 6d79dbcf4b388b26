package io.kpipe.process;

import io.kpipe.model.WindowResult;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The latest window results of the sensors this processor instance owns, as they were at the last
 * commit, for HTTP queries from other threads: the stream threads publish every window they emit.
 *
 * <p>Bounded by design, whatever ids clients send: windows are kept per partition of {@code points}
 * for {@link #KEPT} window lengths of that partition's stream time and then evicted (a sensor left
 * with none is forgotten), and a partition that moves to another instance is dropped whole. So the
 * index holds at most the sensors seen in the last {@link #KEPT} windows of the partitions owned here.
 *
 * <p>Under {@code --emit final} a window is published once, when it closes; the windows still open
 * are read at query time from the task's store as of its last commit ({@link OpenWindows}), so a
 * query answers the same in both modes.
 */
public final class LiveWindows {
    /** The open windows of one task's store, as of its last commit; called from any thread. */
    interface OpenWindows {
        List<WindowResult> windows(String sensor, long from, long to);
    }

    /** Window lengths kept: 10 minutes of 1-minute windows. */
    public static final int KEPT = 10;

    private final Map<Integer, Map<String, NavigableMap<Long, WindowResult>>> byPartition = new ConcurrentHashMap<>();
    private final Map<Integer, OpenWindows> open = new ConcurrentHashMap<>();

    void publish(int partition, WindowResult w) {
        byPartition.computeIfAbsent(partition, p -> new ConcurrentHashMap<>())
                .computeIfAbsent(w.sensor(), s -> new ConcurrentSkipListMap<>())
                .put(w.windowStart(), w);
    }

    /** Forgets the windows of {@code partition} that start before {@code oldestStart}, and sensors left with none. */
    void evictBefore(int partition, long oldestStart) {
        Map<String, NavigableMap<Long, WindowResult>> sensors = byPartition.get(partition);
        if (sensors == null) {
            return;
        }
        for (Iterator<NavigableMap<Long, WindowResult>> it = sensors.values().iterator(); it.hasNext(); ) {
            NavigableMap<Long, WindowResult> windows = it.next();
            windows.headMap(oldestStart).clear();
            if (windows.isEmpty()) {
                it.remove();
            }
        }
    }

    /** Answers queries for {@code partition}'s open windows from its store (final mode). */
    void attachOpen(int partition, OpenWindows windows) {
        open.put(partition, windows);
    }

    /** Forgets a partition this instance no longer owns. */
    void drop(int partition) {
        byPartition.remove(partition);
        open.remove(partition);
    }

    /** Windows of {@code sensor} starting in [from, to), oldest first; null if the sensor has none here. */
    public List<WindowResult> windows(String sensor, long from, long to) {
        List<WindowResult> published = null;
        for (Map<String, NavigableMap<Long, WindowResult>> sensors : byPartition.values()) {
            NavigableMap<Long, WindowResult> windows = sensors.get(sensor);
            if (windows != null) {
                published = List.copyOf(windows.subMap(from, true, to, false).values());
                break;
            }
        }
        if (open.isEmpty()) {
            return published;
        }
        TreeMap<Long, WindowResult> all = new TreeMap<>();
        if (published != null) {
            published.forEach(w -> all.put(w.windowStart(), w));
        }
        for (OpenWindows o : open.values()) {
            o.windows(sensor, from, to).forEach(w -> all.put(w.windowStart(), w));
        }
        return all.isEmpty() && published == null ? null : List.copyOf(all.values());
    }

    /** Sensors held, over all partitions. */
    public long sensors() {
        return byPartition.values().stream().mapToLong(Map::size).sum();
    }

    /** Windows held, over all partitions. */
    public long windows() {
        return byPartition.values().stream().flatMap(m -> m.values().stream()).mapToLong(Map::size).sum();
    }
}
