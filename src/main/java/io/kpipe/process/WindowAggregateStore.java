package io.kpipe.process;

import io.kpipe.model.Aggregate;
import io.kpipe.model.Device;
import io.kpipe.process.internal.PreCommitStore;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * Kafka Streams calls {@link #beforeCommit()}: the windows changed since the last commit go to a
 * changelogged key-value store (key: sensor bytes + 8-byte window start; value: the 64-byte
 * aggregate) and to the {@link Emitter}, which forwards them to {@code points-agg-1m}. Under
 * exactly-once both writes are in the same transaction as the offsets, so state, output and
 * input position always agree. Under at-least-once they are not: a crash after this flush and
 * before the offset commit restores the flushed state and processes the same input again, so
 * those points are counted twice (ChaosIT measures it). The task's stream time is stored too (under the empty key), so
 * the late-point rule holds across restarts. A window closed by the grace period is written one
 * last time, then dropped from the map and deleted from the store (a tombstone in the changelog).
 *
 * <p>A store has no public pre-commit hook, and forwarding at commit time needs Kafka Streams
 * internals: both come from {@link PreCommitStore}, which fences every internal kpipe uses, lists
 * them, and refuses (in {@link #builder}) to run on a Kafka Streams version they were not checked
 * against. The crash tests prove exactly-once end to end.
 */
public final class WindowAggregateStore extends PreCommitStore {
    static final Bytes STREAM_TIME_KEY = Bytes.wrap(new byte[0]);

    /** Receives the windows changed since the last commit, to forward them downstream. */
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
    private final Map<Bytes, OpenWindow> bySensor = new HashMap<>();
    /** Windows in the order they were opened, so closed ones are found from the front. */
    private final ArrayDeque<OpenWindow> byAge = new ArrayDeque<>();
    private final List<OpenWindow> dirty = new ArrayList<>();
    private final ByteBuffer valueBuffer = ByteBuffer.allocate(Aggregate.BYTES);
    private Emitter emitter;
    private long streamTime = -1;
    private long flushedStreamTime = -1;
    private boolean open;

    private WindowAggregateStore(String name, KeyValueStore<Bytes, byte[]> changelogged, long windowMs, long graceMs) {
        this.name = name;
        this.changelogged = changelogged;
        this.windowMs = windowMs;
        this.graceMs = graceMs;
    }

    /**
     * A builder for the topology; the changelog is a compacted topic named after the store. Throws
     * {@link IllegalStateException} if the Kafka Streams on the classpath is not the version the
     * commit hook was checked against ({@link PreCommitStore#requireCheckedVersion()}).
     */
    static StoreBuilder<WindowAggregateStore> builder(String name, long windowMs, long graceMs) {
        PreCommitStore.requireCheckedVersion();
        return new Builder(name, windowMs, graceMs);
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
        for (OpenWindow w : loaded) {
            w.next = bySensor.put(w.sensor, w);
            byAge.add(w);
        }
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
            byAge.add(w);
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
        if (dirty.isEmpty() && streamTime == flushedStreamTime) {
            return;
        }
        beginCommitWrites(streamTime);
        try {
            for (OpenWindow w : dirty) {
                valueBuffer.clear();
                w.aggregate.writeTo(valueBuffer);
                changelogged.put(storeKey(w), valueBuffer.array().clone());
            }
            if (emitter != null && !dirty.isEmpty()) {
                beginForwarding();
                try {
                    emitter.emit(dirty);
                } finally {
                    endForwarding();
                }
            }
            for (OpenWindow w : dirty) {
                w.dirty = false;
            }
            dirty.clear();
            changelogged.put(STREAM_TIME_KEY, ByteBuffer.allocate(Long.BYTES).putLong(streamTime).array());
            flushedStreamTime = streamTime;
            evictClosed();
        } finally {
            endCommitWrites();
        }
    }

    /** Windows whose end plus grace is at or before stream time take no more points: forget them. */
    private void evictClosed() {
        while (!byAge.isEmpty() && byAge.peekFirst().start + windowMs <= streamTime - graceMs) {
            OpenWindow w = byAge.pollFirst();
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
            changelogged.delete(storeKey(w));
        }
    }

    private static Bytes storeKey(OpenWindow w) {
        byte[] sensor = w.sensor.get();
        return Bytes.wrap(ByteBuffer.allocate(sensor.length + Long.BYTES).put(sensor).putLong(w.start).array());
    }

    @Override
    protected void dropCache() {
        bySensor.clear();
        byAge.clear();
        dirty.clear();
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
        private Map<String, String> logConfig = Map.of();
        private boolean logging = true;

        Builder(String name, long windowMs, long graceMs) {
            this.name = name;
            this.windowMs = windowMs;
            this.graceMs = graceMs;
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
            return new WindowAggregateStore(name, inner.build(), windowMs, graceMs);
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
