package io.kpipe.process;

import io.kpipe.config.ProcessorConfig.Emit;
import io.kpipe.model.Aggregate;
import io.kpipe.model.Device;
import io.kpipe.process.internal.PreCommitStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ObjLongConsumer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * The tumbling-window aggregates of one task, kept as mutable objects in a hash map and written
 * back at each commit: a point costs one hash lookup and an in-place update, with no
 * serialisation, no copy and no sorted cache (the DSL window store cost about 1.5 µs a point
 * here; see docs/performance.md). The map is the state: changes go straight to the changelog
 * topic, and a restoration applies the changelog straight to the map; there is no second, sorted
 * copy of the windows (with a million sensors keeping one cost a quarter of the processor's time).
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
 * <pre>
 * restoration (Kafka Streams, before the processor starts; also a standby task, all along)
 *   changelog record ─► restore(): the window's value set, a tombstone removes it, stream time set
 * processor init ─► load(): windows filed by start; any closed by the restored stream time is stale
 * </pre>
 * A stale window's tombstone was lost (compacted away while a long restoration read past it); the
 * commit that stored the stream time had emitted it: it is deleted at the next commit, never
 * emitted again.
 *
 * <p>Windows are filed by start as well as by sensor, so the closed ones are found at once even
 * when a window opens after a later one (out-of-order points within the grace). The windows of a
 * sensor hang off one {@link Sensor}, which also keeps what the processor needs to know of it
 * across its windows (its id as text, its registry entry).
 *
 * <p>The map takes reads from other threads ({@link #committedWindows}, for queries of windows
 * not yet emitted in final mode): it is concurrent, and each window keeps its value as of the last
 * commit as an immutable array.
 *
 * <p>A store has no public pre-commit hook, and forwarding and logging at commit time need Kafka
 * Streams internals: they come from {@link PreCommitStore}, which fences every internal kpipe
 * uses, lists them, and refuses (in {@link #builder}) to run on a Kafka Streams version they were
 * not checked against. The crash tests prove exactly-once end to end.
 */
public final class WindowAggregateStore extends PreCommitStore {
    static final Bytes STREAM_TIME_KEY = Bytes.wrap(new byte[0]);
    /** {@link Sensor#registryVersion} of a sensor never looked up (versions are never this). */
    static final long NEVER_LOOKED_UP = Long.MIN_VALUE;

    /**
     * Receives the windows to forward downstream: those changed since the last commit (updates), or
     * those closed at this commit (final).
     */
    interface Emitter {
        void emit(List<OpenWindow> windows);
    }

    /**
     * A sensor with at least one open window (it leaves the map with its last window). Besides its
     * windows, the processor keeps here what it learnt of the sensor, for its next windows.
     */
    static final class Sensor {
        final Bytes key;
        /** Its open windows, newest first; read by other threads too. */
        volatile OpenWindow windows;
        private String name;
        /** For the processor: the registry entry (null: unknown) as of {@link #registryVersion}. */
        Device device;
        long registryVersion = NEVER_LOOKED_UP;

        Sensor(Bytes key) {
            this.key = key;
        }

        /** The id as text, decoded once. */
        String name() {
            if (name == null) {
                name = new String(key.get(), StandardCharsets.UTF_8);
            }
            return name;
        }

        private OpenWindow find(long start) {
            OpenWindow w = windows;
            while (w != null && w.start != start) {
                w = w.next;
            }
            return w;
        }
    }

    /** One open window of one sensor. Windows of the same sensor are chained through {@link #next}. */
    static final class OpenWindow {
        final Sensor sensor;
        final long start;
        Aggregate aggregate;
        boolean dirty;
        /**
         * For the processor: whether the registry was consulted for this window, and its entry then
         * (null: unknown). A change to a device applies from the next window opened after it.
         */
        boolean registryChecked;
        Device device;
        OpenWindow next;
        /** Final mode: the value as of the last commit that wrote it (null before), for queries. */
        volatile byte[] committed;

        OpenWindow(Sensor sensor, long start, Aggregate aggregate) {
            this.sensor = sensor;
            this.start = start;
            this.aggregate = aggregate;
        }
    }

    private final String name;
    private final boolean logging;
    private final long windowMs;
    private final long graceMs;
    private final Emit emit;
    private final Map<Bytes, Sensor> bySensor = new ConcurrentHashMap<>();
    /** Open windows by start, so closed ones are found from the front; built by {@link #load}. */
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
        String sensor = new String(key, 0, key.length - Long.BYTES, StandardCharsets.UTF_8);
        long start = ByteBuffer.wrap(key, key.length - Long.BYTES, Long.BYTES).getLong();
        String window = io.kpipe.model.WindowResult.key(sensor, start);
        if (value == null) {
            counts.remove(window);
        } else {
            counts.put(window, Aggregate.readFrom(ByteBuffer.wrap(value)).count());
        }
    }

    private WindowAggregateStore(String name, boolean logging, long windowMs, long graceMs, Emit emit) {
        this.name = name;
        this.logging = logging;
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
        // A new life of the task (after close, or a crash under exactly-once): the changelog is read
        // again from its start (the store is not persistent, so it has no checkpoint).
        clearState();
        stateStoreContext.register(root, this::restore);
        open = true;
    }

    /**
     * Applies one changelog record, in the changelog's order, to the map: Kafka Streams' restore
     * callback, for an active task before its processor starts and for a standby task all along.
     * Windows are not filed by start here; {@link #load} does it.
     */
    private void restore(byte[] key, byte[] value) {
        if (key.length <= Long.BYTES) {
            if (key.length == 0 && value != null) {
                streamTime = ByteBuffer.wrap(value).getLong();
                flushedStreamTime = streamTime;
            }
            return;
        }
        Bytes sensorKey = Bytes.wrap(Arrays.copyOf(key, key.length - Long.BYTES));
        long start = ByteBuffer.wrap(key, key.length - Long.BYTES, Long.BYTES).getLong();
        Sensor s = bySensor.get(sensorKey);
        OpenWindow w = s == null ? null : s.find(start);
        if (value == null) {
            if (w != null) {
                unlink(w);
            }
            return;
        }
        Aggregate a = Aggregate.readFrom(ByteBuffer.wrap(value));
        if (w == null) {
            w = link(s == null ? sensor(sensorKey) : s, start, a);
        } else {
            w.aggregate = a;
        }
        if (emit == Emit.FINAL) {
            w.committed = value;
        }
    }

    /**
     * Called by the processor's init, which Kafka Streams runs after restoration (or after a standby
     * task became active): files the restored windows by start, setting aside those the restored
     * stream time closed, and makes the emitter forward as that processor.
     */
    void load(Emitter emitter) {
        this.emitter = emitter;
        captureForwardingNode();
        index();
    }

    /** Files every window in the map by start, except the stale ones, which leave the map. */
    private void index() {
        byStart.clear();
        lastBucket = null;
        lastBucketStart = Long.MIN_VALUE;
        long closedUpTo = streamTime < 0 ? Long.MIN_VALUE : streamTime - graceMs - windowMs;
        List<OpenWindow> staleNow = new ArrayList<>();
        for (Sensor s : bySensor.values()) {
            for (OpenWindow w = s.windows; w != null; w = w.next) {
                if (w.start <= closedUpTo) {
                    // The commit that stored this stream time deleted every window it closed, in the same
                    // transaction that emitted it; so this one's tombstone was lost. Delete it, never emit it.
                    staleNow.add(w);
                } else {
                    file(w);
                }
            }
        }
        for (OpenWindow w : staleNow) {
            unlink(w);
        }
        stale.addAll(staleNow);
    }

    /**
     * What a restoration does, for tests without a broker: starts from an empty store, applies
     * changelog records in order through the restore callback (a null value deletes), then files the
     * windows as {@link #load} does.
     */
    void replay(Iterable<KeyValue<Bytes, byte[]>> changelog) {
        clearState();
        for (KeyValue<Bytes, byte[]> kv : changelog) {
            restore(kv.key.get(), kv.value);
        }
        index();
    }

    /**
     * Hands {@code each} the aggregate and start of every window of {@code sensor} starting in
     * [{@code from}, {@code to}) as of the last commit that wrote it (final mode; in updates mode
     * nothing, as every window is emitted at each commit that changes it). Safe from any thread,
     * for queries while windows are open and not yet emitted.
     */
    void committedWindows(byte[] sensor, long from, long to, ObjLongConsumer<Aggregate> each) {
        Sensor s = bySensor.get(Bytes.wrap(sensor));
        if (s == null) {
            return;
        }
        for (OpenWindow w = s.windows; w != null; w = w.next) {
            byte[] value = w.committed;
            if (value != null && w.start >= from && w.start < to) {
                each.accept(Aggregate.readFrom(ByteBuffer.wrap(value)), w.start);
            }
        }
    }

    /** Hands {@code each} every open window (after {@link #load}: those a restoration brought back). */
    void forEachOpen(java.util.function.Consumer<OpenWindow> each) {
        for (Sensor s : bySensor.values()) {
            for (OpenWindow w = s.windows; w != null; w = w.next) {
                each.accept(w);
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
     * The window of {@code sensor} starting at {@code windowStart}, opened (empty, with the registry
     * not yet checked) if it was not open. The caller has checked the point is not late.
     */
    OpenWindow window(Bytes sensor, long windowStart) {
        Sensor s = bySensor.get(sensor);
        if (s == null) {
            s = sensor(sensor);
        } else {
            OpenWindow w = s.find(windowStart);
            if (w != null) {
                return w;
            }
        }
        OpenWindow w = link(s, windowStart, new Aggregate());
        file(w);
        return w;
    }

    /** A new sensor in the map. */
    private Sensor sensor(Bytes key) {
        Sensor s = new Sensor(key);
        bySensor.put(key, s);
        return s;
    }

    /** A new window at the head of its sensor's chain (not filed by start). */
    private static OpenWindow link(Sensor s, long start, Aggregate a) {
        OpenWindow w = new OpenWindow(s, start, a);
        w.next = s.windows;
        s.windows = w;
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
                log(storeKey(w), null);
            }
            stale.clear();
            if (emit == Emit.FINAL) {
                writeBackFinal();
            } else {
                writeBackUpdates();
            }
            log(STREAM_TIME_KEY, ByteBuffer.allocate(Long.BYTES).putLong(streamTime).array());
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
        removeClosed();
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
        removeClosed();
    }

    private void writeToChangelog(OpenWindow w) {
        valueBuffer.clear();
        w.aggregate.writeTo(valueBuffer);
        byte[] value = valueBuffer.array().clone();
        log(storeKey(w), value);
        if (emit == Emit.FINAL) {
            w.committed = value;
        }
    }

    private void log(Bytes key, byte[] value) {
        if (logging) {
            logChange(key, value);
        }
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
     * from the index by start to {@link #closed}, and returns the latest start that is closed.
     */
    private long takeClosed() {
        long closedUpTo = streamTime - graceMs - windowMs;
        while (!byStart.isEmpty() && byStart.firstKey() <= closedUpTo) {
            List<OpenWindow> bucket = byStart.pollFirstEntry().getValue();
            if (bucket == lastBucket) {
                lastBucket = null;
                lastBucketStart = Long.MIN_VALUE;
            }
            closed.addAll(bucket);
        }
        return closedUpTo;
    }

    /** The closed windows leave the map (after they were forwarded: queries see them until then) and the changelog. */
    private void removeClosed() {
        for (OpenWindow w : closed) {
            log(storeKey(w), null);
            unlink(w);
        }
        closed.clear();
    }

    /** Takes a window out of its sensor's chain, and the sensor out of the map with its last window. */
    private void unlink(OpenWindow w) {
        Sensor s = w.sensor;
        if (s.windows == w) {
            if (w.next == null) {
                bySensor.remove(s.key);
            }
            s.windows = w.next;
        } else {
            OpenWindow p = s.windows;
            while (p.next != w) {
                p = p.next;
            }
            p.next = w.next;
        }
    }

    private static Bytes storeKey(OpenWindow w) {
        byte[] sensor = w.sensor.key.get();
        return Bytes.wrap(ByteBuffer.allocate(sensor.length + Long.BYTES).put(sensor).putLong(w.start).array());
    }

    /**
     * The task is recycled (active to standby or back) just after a clean commit, keeping this store:
     * the windows stay (they are the state, equal to the changelog now), what is derived for
     * processing goes and is rebuilt by {@link #load}.
     */
    @Override
    protected void dropCache() {
        byStart.clear();
        lastBucket = null;
        lastBucketStart = Long.MIN_VALUE;
        clearDirty();
        closed.clear();
    }

    private void clearState() {
        dropCache();
        bySensor.clear();
        stale.clear();
        streamTime = -1;
        flushedStreamTime = -1;
    }

    @Override
    public void close() {
        clearState();
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
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
            return new WindowAggregateStore(name, logging, windowMs, graceMs, emit);
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
