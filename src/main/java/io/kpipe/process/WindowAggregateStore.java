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
 * updates   every window changed since the last commit                      every changed window
 * final     every window changed since the last commit (a window closed     each window closed now,
 *           now: its final value)                                            once, with its final value
 * both      a tombstone for each closed window that queries no longer keep;
 *           the stream time, under the empty key
 * </pre>
 * A window is closed when its end plus the grace is at or before the task's stream time: the same
 * rule that makes a point for it late, so no point can change a window after it was closed.
 * A closed window leaves the map at once. When the instance serves queries ({@code keepClosed}: it
 * has an {@code application.server}), its final value stays in the changelog for as long as the
 * query API keeps it ({@link #keepClosedFrom}, set by the processor: the last 10 window lengths,
 * fewer with many sensors): a task that takes the partition over, here or on another instance,
 * restores the closed windows with the open ones and answers queries for them too, also for a
 * sensor that has stopped sending. That delays each window's tombstone (in final mode it also
 * writes the final value of a window that changed and closed in the same commit interval), and the
 * changelog and a restoration hold the kept closed windows besides the open ones. Without queries a
 * closed window gets its tombstone in the commit that closes it.
 * Under exactly-once the changelog writes and the forwards are in the same transaction as the
 * offsets, so state, output and input position always agree: after a crash the changelog holds
 * the windows still open at the last commit and closed windows whose stored stream time closes
 * them (each was emitted in the transaction that stored that stream time), so a final window is
 * emitted once, neither lost nor repeated.
 * Under at-least-once they are not: a crash after this flush and before the offset commit
 * restores the flushed state and processes the same input again, so those points are counted
 * twice (ChaosIT measures it). The task's stream time is stored, so the late-point rule holds
 * across restarts.
 *
 * <pre>
 * restoration (Kafka Streams, before the processor starts; also a standby task, all along)
 *   changelog record ─► restore(): the window's value set, a tombstone removes it, stream time set
 * processor init ─► load(): windows filed by start; any closed by the restored stream time leaves the
 *                   map, goes to the processor (for queries) and waits for its tombstone
 * </pre>
 * A window that the restored stream time closes was emitted by the commit that stored that stream
 * time (or an earlier one): it is never emitted again. It is one the query API still keeps, or one
 * whose tombstone was lost (compacted away while a long restoration read past it); either way it
 * gets its tombstone once it is older than what queries keep.
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
    private final boolean keepClosed;
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
    /**
     * The sensors (their keys) of closed windows whose value the changelog still holds, by window
     * start: each gets its tombstone at the first commit after its start is before
     * {@link #keepClosedFrom}.
     */
    private final TreeMap<Long, List<Bytes>> retired = new TreeMap<>();
    private List<Bytes> lastRetired;
    private long lastRetiredStart = Long.MIN_VALUE;
    /** Closed windows starting before this get their tombstone; by default every one at once. */
    private long keepClosedFrom = Long.MAX_VALUE;
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
     * as a restoration would load them: those still open at the last commit, and closed ones kept for
     * queries (those the stream time of their partition closes), which were emitted. Returns the
     * window's key, null for the stream-time record.
     */
    public static String foldCounts(byte[] key, byte[] value, Map<String, Long> counts) {
        if (key == null || key.length <= Long.BYTES) {
            return null;   // the stream time (empty key); nothing else is this short
        }
        String sensor = new String(key, 0, key.length - Long.BYTES, StandardCharsets.UTF_8);
        String window = io.kpipe.model.WindowResult.key(sensor, windowStart(key));
        if (value == null) {
            counts.remove(window);
        } else {
            counts.put(window, Aggregate.readFrom(ByteBuffer.wrap(value)).count());
        }
        return window;
    }

    /** The window start in a changelog key of a window (longer than 8 bytes). */
    public static long windowStart(byte[] key) {
        return ByteBuffer.wrap(key, key.length - Long.BYTES, Long.BYTES).getLong();
    }

    private WindowAggregateStore(String name, boolean logging, long windowMs, long graceMs, Emit emit,
                                 boolean keepClosed) {
        this.name = name;
        this.logging = logging;
        this.keepClosed = keepClosed;
        this.windowMs = windowMs;
        this.graceMs = graceMs;
        this.emit = emit;
    }

    /**
     * A builder for the topology; the changelog is a compacted topic named after the store, which keeps
     * closed windows for queries if {@code keepClosed} (see the class comment). Throws
     * {@link IllegalStateException} if the Kafka Streams on the classpath is not the version the
     * commit hook was checked against ({@link PreCommitStore#requireCheckedVersion()}).
     */
    static StoreBuilder<WindowAggregateStore> builder(String name, long windowMs, long graceMs, Emit emit,
                                                      boolean keepClosed) {
        PreCommitStore.requireCheckedVersion();
        return new Builder(name, windowMs, graceMs, emit, keepClosed);
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
        keepClosedFrom = Long.MAX_VALUE;   // until the processor says what queries keep
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
    void load(Emitter emitter, java.util.function.Consumer<OpenWindow> restoredClosed) {
        this.emitter = emitter;
        this.restoredClosed = restoredClosed;
        captureForwardingNode();
        index();
    }

    private java.util.function.Consumer<OpenWindow> restoredClosed = w -> { };

    /**
     * Closed windows whose start is before {@code start} get their tombstone at the next commit (the
     * processor keeps the others for queries); until set, and always without {@code keepClosed}, every
     * closed window gets it at once.
     */
    void keepClosedFrom(long start) {
        if (keepClosed) {
            keepClosedFrom = start;
        }
    }

    /**
     * Files every window in the map by start, except those the restored stream time closed, which
     * leave the map: they go to the processor ({@code restoredClosed}) and wait for their tombstone.
     */
    private void index() {
        byStart.clear();
        lastBucket = null;
        lastBucketStart = Long.MIN_VALUE;
        long closedUpTo = streamTime < 0 ? Long.MIN_VALUE : streamTime - graceMs - windowMs;
        List<OpenWindow> staleNow = new ArrayList<>();
        for (Sensor s : bySensor.values()) {
            for (OpenWindow w = s.windows; w != null; w = w.next) {
                if (w.start <= closedUpTo) {
                    // The commit that stored this stream time (or an earlier one) emitted it: never again.
                    staleNow.add(w);
                } else {
                    file(w);
                }
            }
        }
        for (OpenWindow w : staleNow) {
            unlink(w);
            restoredClosed.accept(w);
            retire(w);
        }
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
        if (dirty.isEmpty() && streamTime == flushedStreamTime && !tombstonesDue()) {
            return;
        }
        beginCommitWrites(streamTime);
        try {
            if (emit == Emit.FINAL) {
                writeBackFinal();
            } else {
                writeBackUpdates();
            }
            // After the forwards: the processor sets keepClosedFrom as it publishes.
            writeTombstones();
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
     * The windows closed now downstream, once; the changed ones to the changelog: those still open,
     * and with {@code keepClosed} the closed ones too, with the final value it keeps for queries until
     * their tombstone (without it, the tombstone alone is what a restoration needs).
     */
    private void writeBackFinal() {
        long closedUpTo = takeClosed();
        for (OpenWindow w : dirty) {
            if (keepClosed || w.start > closedUpTo) {
                writeToChangelog(w);
            }
        }
        clearDirty();
        forward(closed);
        removeClosed();
    }

    private boolean tombstonesDue() {
        return !retired.isEmpty() && retired.firstKey() < keepClosedFrom;
    }

    /** A tombstone for each closed window that starts before {@link #keepClosedFrom}. */
    private void writeTombstones() {
        while (tombstonesDue()) {
            Map.Entry<Long, List<Bytes>> bucket = retired.pollFirstEntry();
            if (bucket.getValue() == lastRetired) {
                lastRetired = null;
                lastRetiredStart = Long.MIN_VALUE;
            }
            for (Bytes sensor : bucket.getValue()) {
                log(storeKey(sensor.get(), bucket.getKey()), null);
            }
        }
    }

    /** A closed window out of the map: its tombstone waits in {@link #retired}. */
    private void retire(OpenWindow w) {
        if (w.start != lastRetiredStart) {
            lastRetired = retired.computeIfAbsent(w.start, s -> new ArrayList<>());
            lastRetiredStart = w.start;
        }
        lastRetired.add(w.sensor.key);
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

    /**
     * The closed windows leave the map (after they were forwarded: queries see them until then); the
     * changelog keeps their last value until their tombstone.
     */
    private void removeClosed() {
        for (OpenWindow w : closed) {
            unlink(w);
            retire(w);
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
        return storeKey(w.sensor.key.get(), w.start);
    }

    private static Bytes storeKey(byte[] sensor, long start) {
        return Bytes.wrap(ByteBuffer.allocate(sensor.length + Long.BYTES).put(sensor).putLong(start).array());
    }

    /**
     * The task is recycled (active to standby or back) just after a clean commit, keeping this store:
     * the windows stay (they are the state, equal to the changelog now), what is derived for
     * processing goes and is rebuilt by {@link #load}. The closed windows waiting for their tombstone
     * stay too: an active task made from this one writes them (a tombstone that another instance wrote
     * meanwhile is written twice, which deletes nothing more).
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
        retired.clear();
        lastRetired = null;
        lastRetiredStart = Long.MIN_VALUE;
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
        private final boolean keepClosed;
        private Map<String, String> logConfig = Map.of();
        private boolean logging = true;

        Builder(String name, long windowMs, long graceMs, Emit emit, boolean keepClosed) {
            this.name = name;
            this.windowMs = windowMs;
            this.graceMs = graceMs;
            this.emit = emit;
            this.keepClosed = keepClosed;
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
            return new WindowAggregateStore(name, logging, windowMs, graceMs, emit, keepClosed);
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
