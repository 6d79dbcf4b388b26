package io.kpipe.process;

import io.kpipe.model.WindowResult;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The latest window results of the sensors this processor instance owns, as they were at the last
 * commit, for HTTP queries from other threads: the stream threads publish every window they emit,
 * and the last {@link #KEPT} windows of each sensor stay queryable after they close.
 */
public final class LiveWindows {
    /** Windows kept per sensor: 10 minutes of 1-minute windows. */
    public static final int KEPT = 10;

    private final Map<String, NavigableMap<Long, WindowResult>> bySensor = new ConcurrentHashMap<>();

    void publish(WindowResult w) {
        NavigableMap<Long, WindowResult> windows = bySensor.computeIfAbsent(w.sensor(), s -> new ConcurrentSkipListMap<>());
        windows.put(w.windowStart(), w);
        while (windows.size() > KEPT) {
            windows.pollFirstEntry();
        }
    }

    /** Windows of {@code sensor} starting in [from, to), oldest first; null if the sensor has none here. */
    public List<WindowResult> windows(String sensor, long from, long to) {
        NavigableMap<Long, WindowResult> windows = bySensor.get(sensor);
        return windows == null ? null : List.copyOf(windows.subMap(from, true, to, false).values());
    }
}
