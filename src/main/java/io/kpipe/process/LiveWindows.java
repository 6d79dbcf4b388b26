package io.kpipe.process;

import io.kpipe.model.WindowResult;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
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
 */
public final class LiveWindows {
    /** Window lengths kept: 10 minutes of 1-minute windows. */
    public static final int KEPT = 10;

    private final Map<Integer, Map<String, NavigableMap<Long, WindowResult>>> byPartition = new ConcurrentHashMap<>();

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

    /** Forgets a partition this instance no longer owns. */
    void drop(int partition) {
        byPartition.remove(partition);
    }

    /** Windows of {@code sensor} starting in [from, to), oldest first; null if the sensor has none here. */
    public List<WindowResult> windows(String sensor, long from, long to) {
        for (Map<String, NavigableMap<Long, WindowResult>> sensors : byPartition.values()) {
            NavigableMap<Long, WindowResult> windows = sensors.get(sensor);
            if (windows != null) {
                return List.copyOf(windows.subMap(from, true, to, false).values());
            }
        }
        return null;
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
