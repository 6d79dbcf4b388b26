package io.kpipe.process;

import io.kpipe.config.ProcessorConfig.Emit;
import io.kpipe.model.Aggregate;
import io.kpipe.model.Device;
import io.kpipe.process.internal.PreCommitStore;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ObjLongConsumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The tumbling-window aggregates of one task, kept as mutable objects in a hash map and written
 * back at each commit: a point costs one hash lookup and an in-place update, with no
 * serialisation, no copy and no sorted cache (the DSL window store cost about 1.5 µs a point
 * here; see docs/performance.md).
 *
 * <p>At every commit, <em>before</em> the task's producer is flushed and its offsets committed,
 * Kafka Streams calls {@link #beforeCommit()}. What happens then depends on the {@link Emit} mode:
 * <pre>
 *                     changelog (key: sensor bytes + 8-byte window start)    Emitter (points-agg-1m)
 * updates   every window changed since the last commit, then a tombstone    every changed window
 *           for each window closed by stream time
 * final     every window changed since the last commit and still open;      each window closed now,
 *           a tombstone for each window closed by stream time                once, with its final value
 * both      the stream time, under the empty key
 * </pre>
 * A window is closed when its end plus the grace is at or before the task's stream time: the same
 * rule that makes a point for it late, so no point can change a window after it was closed.
 * Under exactly-once the changelog writes and the forwards are in the same transaction as the
 * offsets, so state, output and input position always agree: after a crash the changelog holds
 * exactly the windows still open at the last commit (each closed one was emitted in the very
 * transaction that deleted it), so a final window is emitted once, neither lost nor repeated.
 * Under at-least-once they are not: a crash after this flush and before the offset commit
 * restores the flushed state and processes the same input again, so those points are counted
 * twice (ChaosIT measures it). The task's stream time is stored, so the late-point rule holds
 * across restarts.
 *
 * <p>Windows are filed by start as well as by sensor, so the closed ones are found at once even
 * when a window opens after a later one (out-of-order points within the grace).
 *
 * <p>A store has no public pre-commit hook, and forwarding at commit time needs Kafka Streams
 * internals: both come from {@link PreCommitStore}, which fences every internal kpipe uses, lists
 * them, and refuses (in {@link #builder}) to run on a Kafka Streams version they were not checked
 * against. The crash tests prove exactly-once end to end.
 */
public final class WindowAggregateStore extends PreCommitStore {
    static final Bytes STREAM_TIME_KEY = Bytes.wrap(new byte[0]);

    /**
     * Receives the windows to forward downstream: those changed since the last commit (updates), or
     * those closed at this commit (final).
     */
    interface Emitter {
        void emit(List<OpenWindow> changed);
    }

    /** One open window of one sensor. Windows of the same sensor are chained through {@link #next}. */
    static final class OpenWindow {
        final Bytes sensor;
        final long start;
        final Aggregate aggregate;
        boolean dirty;
        OpenWindow next;
        /** For the processor: the sensor id as text and its registry entry (null: unknown), set when opened. */
        String sensorName;
        Device device;

        OpenWindow(Bytes sensor, long start, Aggregate aggregate) {
            this.sensor = sensor;
            this.start = start;
            this.aggregate = aggregate;
        }
    }

    private final String name;
    private final KeyValueStore<Bytes, byte[]> changelogged;
    private final long windowMs;
    private final long graceMs;
    private final Emit emit;
    private final Map<Bytes, OpenWindow> bySensor = new HashMap<>();
    /** Open windows by start, so closed ones are found from the front. */
    private final TreeMap<Long, List<OpenWindow>> byStart = new TreeMap<>();
    /** The bucket of the latest window opened: nearly every new window goes to the same one. */
    private List<OpenWindow> lastBucket;
    private long lastBucketStart = Long.MIN_VALUE;
    private final List<OpenWindow> dirty = new ArrayList<>();
    private final List<OpenWindow> closed = new ArrayList<>();
    /** Windows restored although closed (a lost tombstone): deleted at the next commit, not emitted. */
    private final List<OpenWindow> stale = new ArrayList<>();
    private final ByteBuffer valueBuffer = ByteBuffer.allocate(Aggregate.BYTES);
    private Emitter emitter;
    private long streamTime = -1;
    private long flushedStreamTime = -1;
    private boolean open;

    /** The changelog topic of this store in the application {@code applicationId} (Kafka Streams' naming). */
    public static String changelogTopic(String applicationId) {
        return applicationId + "-" + PointTopology.AGGREGATE_STORE + "-changelog";
    }

    /**
     * Applies one record of the store's changelog, read in order, to {@code counts} (window key as
     * {@link io.kpipe.model.WindowResult#key} to its count): a window's value sets it, a tombstone
     * removes it, the stream-time record is skipped. Folding the whole changelog leaves the windows
     * still open at the last commit, as a restoration would load them.
     */
    public static void foldCounts(byte[] key, byte[] value, Map<String, Long> counts) {
        if (key == null || key.length <= Long.BYTES) {
            return;   // the stream time (empty key); nothing else is this short
        }
        String sensor = new String(key, 0, key.length - Long.BYTES, java.nio.charset.StandardCharsets.UTF_8);
        long start = ByteBuffer.wrap(key, key.length - Long.BYTES, Long.BYTES).getLong();
        String window = io.kpipe.model.WindowResult.key(sensor, start);
        if (value == null) {
            counts.remove(window);
        } else {
            counts.put(window, Aggregate.readFrom(ByteBuffer.wrap(value)).count());
        }
    }

    private WindowAggregateStore(String name, KeyValueStore<Bytes, byte[]> changelogged, long windowMs, long graceMs,
                                 Emit emit) {
        this.name = name;
        this.changelogged = changelogged;
        this.windowMs = windowMs;
        this.graceMs = graceMs;
        this.emit = emit;
    }

    /**
     * A builder for the topology; the changelog is a compacted topic named after the store. Throws
     * {@link IllegalStateException} if the Kafka Streams on the classpath is not the version the
     * commit hook was checked against ({@link PreCommitStore#requireCheckedVersion()}).
     */
    static StoreBuilder<WindowAggregateStore> builder(String name, long windowMs, long graceMs, Emit emit) {
        PreCommitStore.requireCheckedVersion();
        return new Builder(name, windowMs, graceMs, emit);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext stateStoreContext, StateStore root) {
        attach(stateStoreContext);
        // This store is the root: the state manager sees it, and calls its pre-commit hook.
        changelogged.init(stateStoreContext, root);
        open = true;
    }

    /**
     * Rebuilds the map from the (restored) changelogged store. Called by the processor's init,
     * which Kafka Streams runs after restoration; the emitter forwards as that processor.
     */
    void load(Emitter emitter) {
        this.emitter = emitter;
        captureForwardingNode();
        reload();
    }

    /** Rebuilds the map from the changelogged store. */
    private void reload() {
        dropCache();
        List<OpenWindow> loaded = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = changelogged.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                if (kv.key.equals(STREAM_TIME_KEY)) {
                    streamTime = ByteBuffer.wrap(kv.value).getLong();
                    flushedStreamTime = streamTime;
                    continue;
                }
                byte[] k = kv.key.get();
                byte[] sensor = new byte[k.length - Long.BYTES];
                System.arraycopy(k, 0, sensor, 0, sensor.length);
                long start = ByteBuffer.wrap(k, sensor.length, Long.BYTES).getLong();
                loaded.add(new OpenWindow(Bytes.wrap(sensor), start, Aggregate.readFrom(ByteBuffer.wrap(kv.value))));
            }
        }
        loaded.sort((a, b) -> Long.compare(a.start, b.start));
        long closedUpTo = streamTime < 0 ? Long.MIN_VALUE : streamTime - graceMs - windowMs;
        for (OpenWindow w : loaded) {
            if (w.start <= closedUpTo) {
                // The commit that stored this stream time deleted every window it closed, in the same
                // transaction that emitted it; so this one's tombstone was lost (compacted away while a
                // long restoration read past it). It was emitted already: delete it, never emit it again.
                stale.add(w);
                continue;
            }
            w.next = bySensor.put(w.sensor, w);
            file(w);
        }
    }

    /**
     * What a restoration does, for tests without a broker: applies changelog records in order to the
     * changelogged store (a null value deletes) and rebuilds the map from it, as {@link #load} does.
     */
    void replay(Iterable<KeyValue<Bytes, byte[]>> changelog) {
        beginCommitWrites(0);
        try {
            for (KeyValue<Bytes, byte[]> kv : changelog) {
                if (kv.value == null) {
                    changelogged.delete(kv.key);
                } else {
                    changelogged.put(kv.key, kv.value);
                }
            }
        } finally {
            endCommitWrites();
        }
        reload();
    }

    /**
     * Hands {@code each} the aggregate and start of every window of {@code sensor} starting in
     * [{@code from}, {@code to}) as of the last commit, read from the changelogged store (which takes
     * reads from other threads, as Kafka Streams' interactive queries do): for queries while windows
     * are open and not yet emitted.
     */
    void committedWindows(byte[] sensor, long from, long to, ObjLongConsumer<Aggregate> each) {
        long lo = Math.max(from, 0);   // window starts are never negative (negative event times are refused)
        if (to <= lo) {
            return;
        }
        Bytes first = Bytes.wrap(ByteBuffer.allocate(sensor.length + Long.BYTES).put(sensor).putLong(lo).array());
        Bytes last = Bytes.wrap(ByteBuffer.allocate(sensor.length + Long.BYTES).put(sensor).putLong(to - 1).array());
        try (KeyValueIterator<Bytes, byte[]> it = changelogged.range(first, last)) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                // Same length and within the range: the sensor bytes are this sensor's.
                if (kv.key.get().length == sensor.length + Long.BYTES && kv.value != null) {
                    long start = ByteBuffer.wrap(kv.key.get(), sensor.length, Long.BYTES).getLong();
                    each.accept(Aggregate.readFrom(ByteBuffer.wrap(kv.value)), start);
                }
            }
        }
    }

    /** Files a window under its start. */
    private void file(OpenWindow w) {
        if (w.start != lastBucketStart) {
            lastBucket = byStart.computeIfAbsent(w.start, s -> new ArrayList<>());
            lastBucketStart = w.start;
        }
        lastBucket.add(w);
    }

    /** The task's stream time: the highest (bounded) event time it has seen, -1 before any. */
    long streamTime() {
        return streamTime;
    }

    /** Moves stream time forward to {@code eventTime} if it is later, and returns it. */
    long observe(long eventTime) {
        if (eventTime > streamTime) {
            streamTime = eventTime;
        }
        return streamTime;
    }

    /**
     * The window of {@code sensor} starting at {@code windowStart}, opened (empty, with a null
     * {@code sensorName}) if it was not open. The caller has checked the point is not late.
     */
    OpenWindow window(Bytes sensor, long windowStart) {
        OpenWindow first = bySensor.get(sensor);
        OpenWindow w = first;
        while (w != null && w.start != windowStart) {
            w = w.next;
        }
        if (w == null) {
            w = new OpenWindow(sensor, windowStart, new Aggregate());
            w.next = first;
            bySensor.put(sensor, w);
            file(w);
        }
        return w;
    }

    /** Adds a point to a window of {@link #window}. */
    void add(OpenWindow w, long eventTime, double value) {
        w.aggregate.add(eventTime, value);
        if (!w.dirty) {
            w.dirty = true;
            dirty.add(w);
        }
    }

    @Override
    protected void beforeCommit() {
        if (dirty.isEmpty() && streamTime == flushedStreamTime && stale.isEmpty()) {
            return;
        }
        beginCommitWrites(streamTime);
        try {
            for (OpenWindow w : stale) {
                changelogged.delete(storeKey(w));
            }
            stale.clear();
            if (emit == Emit.FINAL) {
                writeBackFinal();
            } else {
                writeBackUpdates();
            }
            changelogged.put(STREAM_TIME_KEY, ByteBuffer.allocate(Long.BYTES).putLong(streamTime).array());
            flushedStreamTime = streamTime;
        } finally {
            endCommitWrites();
        }
    }

    /** Every changed window to the changelog and downstream; then the closed ones leave. */
    private void writeBackUpdates() {
        for (OpenWindow w : dirty) {
            writeToChangelog(w);
        }
        forward(dirty);
        clearDirty();
        takeClosed();
        for (OpenWindow w : closed) {
            changelogged.delete(storeKey(w));
        }
        closed.clear();
    }

    /**
     * The windows closed now downstream, once, and out of the changelog; the changed ones still open
     * to the changelog only. A window that changed and closed in the same interval is not written
     * before its tombstone: the tombstone alone is what a restoration needs.
     */
    private void writeBackFinal() {
        long closedUpTo = takeClosed();
        for (OpenWindow w : dirty) {
            if (w.start > closedUpTo) {
                writeToChangelog(w);
            }
        }
        clearDirty();
        forward(closed);
        for (OpenWindow w : closed) {
            changelogged.delete(storeKey(w));
        }
        closed.clear();
    }

    private void writeToChangelog(OpenWindow w) {
        valueBuffer.clear();
        w.aggregate.writeTo(valueBuffer);
        changelogged.put(storeKey(w), valueBuffer.array().clone());
    }

    private void forward(List<OpenWindow> windows) {
        if (emitter != null && !windows.isEmpty()) {
            beginForwarding();
            try {
                emitter.emit(windows);
            } finally {
                endForwarding();
            }
        }
    }

    private void clearDirty() {
        for (OpenWindow w : dirty) {
            w.dirty = false;
        }
        dirty.clear();
    }

    /**
     * Moves the windows whose end plus grace is at or before stream time (they take no more points)
     * from the map to {@link #closed}, and returns the latest start that is closed.
     */
    private long takeClosed() {
        long closedUpTo = streamTime - graceMs - windowMs;
        while (!byStart.isEmpty() && byStart.firstKey() <= closedUpTo) {
            List<OpenWindow> bucket = byStart.pollFirstEntry().getValue();
            if (bucket == lastBucket) {
                lastBucket = null;
                lastBucketStart = Long.MIN_VALUE;
            }
            for (OpenWindow w : bucket) {
                unlink(w);
                closed.add(w);
            }
        }
        return closedUpTo;
    }

    /** Takes a window out of its sensor's chain. */
    private void unlink(OpenWindow w) {
        OpenWindow first = bySensor.get(w.sensor);
        if (first == w) {
            if (w.next == null) {
                bySensor.remove(w.sensor);
            } else {
                bySensor.put(w.sensor, w.next);
            }
        } else {
            OpenWindow p = first;
            while (p.next != w) {
                p = p.next;
            }
            p.next = w.next;
        }
    }

    private static Bytes storeKey(OpenWindow w) {
        byte[] sensor = w.sensor.get();
        return Bytes.wrap(ByteBuffer.allocate(sensor.length + Long.BYTES).put(sensor).putLong(w.start).array());
    }

    @Override
    protected void dropCache() {
        bySensor.clear();
        byStart.clear();
        lastBucket = null;
        lastBucketStart = Long.MIN_VALUE;
        dirty.clear();
        closed.clear();
        stale.clear();
        streamTime = -1;
        flushedStreamTime = -1;
    }

    @Override
    public void close() {
        dropCache();
        changelogged.close();
        open = false;
    }

    @Override
    public boolean persistent() {
        return changelogged.persistent();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    private static final class Builder implements StoreBuilder<WindowAggregateStore> {
        private final String name;
        private final long windowMs;
        private final long graceMs;
        private final Emit emit;
        private Map<String, String> logConfig = Map.of();
        private boolean logging = true;

        Builder(String name, long windowMs, long graceMs, Emit emit) {
            this.name = name;
            this.windowMs = windowMs;
            this.graceMs = graceMs;
            this.emit = emit;
        }

        /** The write-back map is this store's cache: Kafka's record cache is never added. */
        @Override
        public StoreBuilder<WindowAggregateStore> withCachingEnabled() {
            return this;
        }

        @Override
        public StoreBuilder<WindowAggregateStore> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<WindowAggregateStore> withLoggingEnabled(Map<String, String> config) {
            logging = true;
            logConfig = Map.copyOf(config);
            return this;
        }

        @Override
        public StoreBuilder<WindowAggregateStore> withLoggingDisabled() {
            logging = false;
            return this;
        }

        @Override
        public WindowAggregateStore build() {
            StoreBuilder<KeyValueStore<Bytes, byte[]>> inner = Stores
                    .keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
                    .withCachingDisabled();
            inner = logging ? inner.withLoggingEnabled(logConfig) : inner.withLoggingDisabled();
            return new WindowAggregateStore(name, inner.build(), windowMs, graceMs, emit);
        }

        @Override
        public Map<String, String> logConfig() {
            return logConfig;
        }

        @Override
        public boolean loggingEnabled() {
            return logging;
        }

        @Override
        public String name() {
            return name;
        }
    }
}
