package io.kpipe.process;

import io.kpipe.model.WindowResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest window results of the sensors this processor instance owns, as they were at the last
 * commit, for HTTP queries from other threads: the stream threads publish every window they emit.
 *
 * <p>Bounded by design, whatever ids clients send: windows are kept per partition of {@code points}
 * for {@link #KEPT} window lengths of that partition's stream time and then evicted (a sensor left
 * with none is forgotten), and a partition that moves to another instance is dropped whole. So the
 * index holds at most the sensors seen in the last {@link #KEPT} windows of the partitions owned
 * here. With many sensors fewer window lengths are kept, so that sensors times window lengths stays
 * within {@link #BUDGET} (at least one: a million sensors keep the current and the previous
 * window, about 2 million results instead of 11 million, which a 2 GB heap does not hold).
 *
 * <p>A sensor's windows are one small array, oldest first, replaced whole at each change: a query
 * never sees one half-written, and a sensor costs one map entry and one array, not a sorted map.
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

    /** Window lengths kept: 10 minutes of 1-minute windows (fewer with more than {@link #BUDGET} / 10 sensors). */
    public static final int KEPT = 10;
    /** Sensors times window lengths kept, at most (unless each sensor keeps one). */
    static final long BUDGET = 1_000_000;

    private static final WindowResult[] NONE = new WindowResult[0];

    private final Map<Integer, Map<String, WindowResult[]>> byPartition = new ConcurrentHashMap<>();
    private final Map<Integer, OpenWindows> open = new ConcurrentHashMap<>();
    /**
     * Partitions whose task is open here, from its processor's init to its close, windows or not; the
     * value is that task's token. Another stream thread of this instance can open a partition's task
     * before the thread that lost it closes the old one (a thread fenced after a stall): the old task's
     * close must then leave the new one's hold and windows alone.
     */
    private final Map<Integer, Hold> held = new ConcurrentHashMap<>();

    /** A task's hold on its partition: answers for it once its restored windows are published. */
    private static final class Hold {
        volatile boolean ready;
    }

    /**
     * The partition's task is opening here (its processor's init); called by its stream thread before
     * it publishes the windows it restored, which replace any of an earlier task of the partition. The
     * partition counts as held once {@link #ready}. Returns the token {@link #ready} and {@link #drop}
     * take.
     */
    Object hold(int partition) {
        Hold token = new Hold();
        held.put(partition, token);
        byPartition.remove(partition);
        open.remove(partition);
        return token;
    }

    /** The task of {@code token} has published the windows it restored: a sensor of it without any has none. */
    void ready(Object token) {
        ((Hold) token).ready = true;
    }

    /**
     * Whether this instance holds {@code partition} of {@code points} now: its task is open here and has
     * published its restored windows, so a sensor of it without windows here has none. Kafka Streams can
     * stay RUNNING after a task was closed (its partitions lost or revoked), while its metadata still
     * names this instance.
     */
    public boolean holds(int partition) {
        Hold h = held.get(partition);
        return h != null && h.ready;
    }

    /** Called by the partition's stream thread only. */
    void publish(int partition, WindowResult w) {
        Map<String, WindowResult[]> sensors = byPartition.computeIfAbsent(partition, p -> new ConcurrentHashMap<>());
        WindowResult[] held = sensors.get(w.sensor());
        sensors.put(w.sensor(), with(held == null ? NONE : held, w));
    }

    /** {@code held} with {@code w} in place of the result of the same window, or inserted in order. */
    private static WindowResult[] with(WindowResult[] held, WindowResult w) {
        int i = 0;
        while (i < held.length && held[i].windowStart() < w.windowStart()) {
            i++;
        }
        if (i < held.length && held[i].windowStart() == w.windowStart()) {
            WindowResult[] copy = held.clone();
            copy[i] = w;
            return copy;
        }
        WindowResult[] copy = new WindowResult[held.length + 1];
        System.arraycopy(held, 0, copy, 0, i);
        copy[i] = w;
        System.arraycopy(held, i, copy, i + 1, held.length - i);
        return copy;
    }

    /** Window lengths of stream time to keep now: {@link #KEPT}, fewer with many sensors, at least 1. */
    int kept() {
        return (int) Math.max(1, Math.min(KEPT, BUDGET / Math.max(1, sensors())));
    }

    /**
     * Forgets the windows of {@code partition} that start before {@code oldestStart}, and sensors left
     * with none. Called by the partition's stream thread only.
     */
    void evictBefore(int partition, long oldestStart) {
        Map<String, WindowResult[]> sensors = byPartition.get(partition);
        if (sensors == null) {
            return;
        }
        for (Iterator<Map.Entry<String, WindowResult[]>> it = sensors.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, WindowResult[]> e = it.next();
            WindowResult[] held = e.getValue();
            int old = 0;
            while (old < held.length && held[old].windowStart() < oldestStart) {
                old++;
            }
            if (old == held.length) {
                it.remove();
            } else if (old > 0) {
                e.setValue(Arrays.copyOfRange(held, old, held.length));
            }
        }
    }

    /** Answers queries for {@code partition}'s open windows from its store (final mode). */
    void attachOpen(int partition, OpenWindows windows) {
        open.put(partition, windows);
    }

    /**
     * Forgets a partition this instance no longer owns: its task with {@code token} (from
     * {@link #hold}; null: it never held it) closed. Nothing happens if another task holds it by now.
     */
    void drop(int partition, Object token) {
        if (held.remove(partition, token)) {
            byPartition.remove(partition);
            open.remove(partition);
        }
    }

    /** Windows of {@code sensor} starting in [from, to), oldest first; null if the sensor has none here. */
    public List<WindowResult> windows(String sensor, long from, long to) {
        List<WindowResult> published = null;
        for (Map<String, WindowResult[]> sensors : byPartition.values()) {
            WindowResult[] held = sensors.get(sensor);
            if (held != null) {
                published = new ArrayList<>(held.length);
                for (WindowResult w : held) {
                    if (w.windowStart() >= from && w.windowStart() < to) {
                        published.add(w);
                    }
                }
                published = List.copyOf(published);
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
        return byPartition.values().stream().flatMap(m -> m.values().stream()).mapToLong(a -> a.length).sum();
    }
}
