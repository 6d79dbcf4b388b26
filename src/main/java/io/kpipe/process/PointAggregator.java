package io.kpipe.process;

import io.kpipe.config.ProcessorConfig;
import io.kpipe.model.Aggregate;
import io.kpipe.model.Alert;
import io.kpipe.model.DeadLetter;
import io.kpipe.model.Device;
import io.kpipe.model.MalformedPointException;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import io.kpipe.model.WindowResult;
import io.kpipe.process.WindowAggregateStore.OpenWindow;
import io.kpipe.process.WindowAggregateStore.Sensor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Decodes each record of {@code points}, sends what is not a valid point to the dead-letter sink
 * with the reason, checks valid points against their sensor's thresholds (device registry) and
 * the optional z-score rule, sending alerts, and adds them to their tumbling window in the
 * {@link WindowAggregateStore}, which hands windows back at each commit to be forwarded to
 * {@code points-agg-1m}, enriched with the sensor's site and unit: the windows changed since the
 * last commit ({@code --emit updates}), or those closed now ({@code --emit final}, each once).
 *
 * <p>The registry is consulted once per sensor and window (when the window opens, and at each
 * commit while the sensor is still unknown), not per point: a change to a device applies from its
 * next window. The entry found is kept with the sensor across its windows and looked up again only
 * if {@link RegistryVersions} says the registry may have changed for it since: the same answers
 * without a lookup (a sorted map and a JSON decode) for each of a million sensors' windows.
 *
 * <p>Late points: a window is closed once its end is at or before the task's stream time minus the
 * grace. Stream time is the highest event time seen, each bounded by its record timestamp and the
 * processor's clock; a point further ahead of those than {@code maxFuture} is dead-lettered as
 * {@code future}, and one whose value its window cannot add up finitely as {@code overflow}. A point for a closed window goes to the
 * dead-letter topic as type {@code late}, kept and counted, never dropped silently. Stream time
 * is kept in the store, so the rule is the same after a restart.
 */
final class PointAggregator implements Processor<Bytes, byte[], Object, Object> {
    static final int ZSCORE_MIN_POINTS = 10;

    private final PointDecoder decoder = new PointDecoder();
    private final MutablePoint point = new MutablePoint();
    private final ProcessingStats stats;
    private final LiveWindows live;
    private final String storeName;
    private final long windowMs;
    private final long graceMs;
    private final long maxFutureMs;
    private final double zscore;
    private final boolean emitFinal;
    private final RegistryVersions registry;
    /** Registry values (sites, types, units, bounds) shared by the devices this task keeps. */
    private final Map<Object, Object> sharedValues = new HashMap<>();
    static final int SHARED_MAX = 10_000;
    private ProcessorContext<Object, Object> context;
    private WindowAggregateStore store;
    private KeyValueStore<String, Device> devices;
    private int partition;
    /** This task's hold on its partition for queries ({@link LiveWindows#hold}). */
    private Object holdToken;
    private long liveEvictedBefore = Long.MIN_VALUE;

    PointAggregator(ProcessorConfig config, ProcessingStats stats, LiveWindows live, RegistryVersions registry,
                    String storeName) {
        this.stats = stats;
        this.registry = registry;
        this.live = live;
        this.storeName = storeName;
        this.windowMs = config.windowSize().toMillis();
        this.graceMs = config.grace().toMillis();
        this.maxFutureMs = config.maxFuture().toMillis();
        this.zscore = config.zscore();
        this.emitFinal = config.emit() == ProcessorConfig.Emit.FINAL;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.partition = context.taskId().partition();
        this.store = context.getStateStore(storeName);
        this.devices = context.getStateStore(PointTopology.DEVICES_STORE);
        // Held first (so that an earlier task of this partition, closing late on another thread, leaves
        // what this one publishes alone), answering only once its restored windows are published.
        holdToken = live.hold(partition);
        liveEvictedBefore = Long.MIN_VALUE;   // a revived task reuses this processor
        // A task taken over in a rebalance (or a standby made active) answers at once for the windows it
        // restored, not from each one's next update: the closed ones the changelog keeps for queries
        // (also of a sensor that stopped sending) and the open ones. A sensor with windows is never a 404.
        store.load(this::emit, this::publish);
        if (emitFinal) {
            // Open windows are not published until they close: queries read them from the store.
            live.attachOpen(partition, this::committedWindows);
        } else {
            store.forEachOpen(this::publish);
        }
        evictLive();
        live.ready(holdToken);
    }

    /** A restored window, open or closed, to the query API. */
    private void publish(OpenWindow w) {
        live.publish(partition, WindowResult.of(w.sensor.name(), registryEntry(w.sensor), w.start, w.start + windowMs,
                w.aggregate));
    }

    /** For queries from other threads: the sensor's windows in the store as of its last commit. */
    private List<WindowResult> committedWindows(String sensor, long from, long to) {
        List<WindowResult> out = new ArrayList<>();
        store.committedWindows(sensor.getBytes(StandardCharsets.UTF_8), from, to,
                (a, start) -> out.add(WindowResult.of(sensor, device(sensor), start, start + windowMs, a)));
        return out;
    }

    private Device device(String sensor) {
        try {
            return devices.get(sensor);
        } catch (InvalidStateStoreException e) {
            return null;
        }
    }

    @Override
    public void process(Record<Bytes, byte[]> record) {
        Bytes key = record.key();
        try {
            decoder.decode(key == null ? null : key.get(), record.value(), record.timestamp(), point);
        } catch (MalformedPointException e) {
            stats.recordInvalid();
            reject(record, DeadLetter.Type.INVALID, e.getMessage());
            return;
        }
        long eventTime = point.timestamp();
        // Stream time follows the clock, not the fastest device: a point may be ahead of its record
        // timestamp and of this processor's clock by the allowed skew, and moves stream time no
        // further than the earlier of the two. So one fast clock can neither close the windows of
        // every on-time point of its partition nor make them late.
        long now = context.currentSystemTimeMs();
        long reference = Math.min(record.timestamp(), now);
        if (eventTime - reference > maxFutureMs) {
            stats.recordInvalid();
            reject(record, DeadLetter.Type.FUTURE, futureReason(eventTime, record.timestamp(), now, maxFutureMs));
            return;
        }
        long streamTime = store.observe(Math.min(eventTime, reference));
        long windowStart = eventTime - Math.floorMod(eventTime, windowMs);
        long windowEnd = windowStart + windowMs;
        if (windowEnd <= streamTime - graceMs) {
            stats.recordLate();
            reject(record, DeadLetter.Type.LATE, lateReason(windowEnd, streamTime, graceMs));
            return;
        }
        OpenWindow w = store.window(key, windowStart);
        double value = point.value();
        if (!w.aggregate.accepts(value)) {
            stats.recordInvalid();
            reject(record, DeadLetter.Type.OVERFLOW, "overflow: adding value " + value
                    + " would take its window's sum, mean or variance beyond the range of a double");
            return;
        }
        stats.recordAggregated(now - record.timestamp());
        if (!w.registryChecked) {
            w.device = registryEntry(w.sensor);
            w.registryChecked = true;
        }
        if (w.device == null) {
            stats.recordUnknownSensor();
        } else {
            checkThresholds(w, value, eventTime);
        }
        if (zscore > 0) {
            checkZscore(w, value, eventTime);
        }
        store.add(w, eventTime, value);
    }

    /**
     * The sensor's registry entry now (null: unknown): the one kept with the sensor, unless the
     * registry may have changed for it since it was looked up.
     */
    private Device registryEntry(Sensor s) {
        long version = registry.version(s.key.hashCode());
        if (version != s.registryVersion) {
            s.device = shared(devices.get(s.name()), s);
            s.registryVersion = version;
        }
        return s.device;
    }

    /**
     * {@code d} with the sensor's own id and the site, type, unit and bounds shared with the other
     * devices of this task: each lookup decodes a device of its own (about 280 bytes with its four
     * strings and two boxed bounds; 40 shared), and a million sensors keep theirs as long as they
     * have a window open. At most {@value #SHARED_MAX} values are shared, so ids of every kind cannot
     * grow the table.
     */
    private Device shared(Device d, Sensor s) {
        if (d == null) {
            return null;
        }
        return new Device(s.name(), shared(d.site()), shared(d.type()), shared(d.unit()), shared(d.min()),
                shared(d.max()));
    }

    @SuppressWarnings("unchecked")
    private <T> T shared(T value) {
        if (value == null) {
            return null;
        }
        Object known = sharedValues.get(value);
        if (known != null) {
            return (T) known;
        }
        if (sharedValues.size() < SHARED_MAX) {
            sharedValues.put(value, value);
        }
        return value;
    }

    /** The reason of a {@code late} dead letter (also the DSL job's, {@link DslFront}). */
    static String lateReason(long windowEnd, long streamTime, long graceMs) {
        return "late: window ending " + windowEnd + " closed at stream time " + streamTime + " with grace " + graceMs + " ms";
    }

    /** The reason of a {@code future} dead letter (also the DSL job's, {@link DslFront}). */
    static String futureReason(long eventTime, long recordTimestamp, long now, long maxFutureMs) {
        String allowed = "; at most " + maxFutureMs + " ms allowed";
        if (recordTimestamp <= now) {
            return "future: event time " + eventTime + " is " + (eventTime - recordTimestamp)
                    + " ms ahead of the record timestamp" + allowed;
        }
        // The producer's clock is ahead of this processor's too: the reason says so, as NTP is the cure.
        return "future: event time " + eventTime + " is " + (eventTime - now) + " ms ahead of this processor's clock "
                + "(the record timestamp is " + (recordTimestamp - now) + " ms ahead of it too)" + allowed;
    }

    /** The registry's bounds: a reading below min or above max is an alert. */
    private void checkThresholds(OpenWindow w, double value, long eventTime) {
        Device d = w.device;
        if (d.min() != null && value < d.min()) {
            alert(w, "min", value, d.min(), eventTime);
        } else if (d.max() != null && value > d.max()) {
            alert(w, "max", value, d.max(), eventTime);
        }
    }

    /**
     * More than {@code zscore} standard deviations from the mean of the sensor's points so far in the
     * window (at least {@value #ZSCORE_MIN_POINTS} of them). The window's state is committed with the
     * input offsets, so a replay after a crash sees the same mean and raises the same alerts.
     */
    private void checkZscore(OpenWindow w, double value, long eventTime) {
        Aggregate a = w.aggregate;
        if (a.count() >= ZSCORE_MIN_POINTS) {
            double sd = a.stddev();
            if (sd > 0 && Math.abs(value - a.mean()) > zscore * sd) {
                alert(w, "zscore", value, zscore, eventTime);
            }
        }
    }

    private void alert(OpenWindow w, String rule, double value, double threshold, long eventTime) {
        stats.recordAlert();
        String sensor = w.sensor.name();
        context.forward(new Record<>(sensor, new Alert(sensor,
                w.device == null ? Device.UNKNOWN_SITE : w.device.site(), rule, value, threshold, eventTime),
                eventTime), PointTopology.ALERTS_SINK);
    }

    private void reject(Record<Bytes, byte[]> record, DeadLetter.Type type, String reason) {
        RecordMetadata m = context.recordMetadata().orElseThrow();
        DeadLetter.Letter letter = DeadLetter.of(record.key() == null ? null : record.key().get(), record.value(),
                record.headers(), type, reason, m.topic(), m.partition(), m.offset());
        context.forward(new Record<>(letter.key() == null ? null : Bytes.wrap(letter.key()), letter.value(),
                record.timestamp(), letter.headers()), PointTopology.DLQ_SINK);
    }

    /**
     * Forwards windows: those changed since the last commit (updates) or those closed now (final);
     * called by the store inside a commit, with this processor made the current node again (the
     * store's commit hook does that).
     */
    private void emit(List<OpenWindow> changed) {
        for (OpenWindow w : changed) {
            if (w.device == null) {
                // The registry may have learnt of the sensor since the window opened (or the window was
                // restored from the changelog and closed before another point came).
                w.device = registryEntry(w.sensor);
            }
            w.registryChecked = true;
            String sensor = w.sensor.name();
            WindowResult result = WindowResult.of(sensor, w.device, w.start, w.start + windowMs, w.aggregate);
            context.forward(new Record<>(WindowResult.key(sensor, w.start), result, w.aggregate.lastTs()),
                    PointTopology.AGGREGATES_SINK);
            live.publish(partition, result);
        }
        evictLive();
    }

    /**
     * Forgets this partition's live windows older than {@link LiveWindows#kept()} window lengths of
     * stream time, and lets the store delete those closed windows from its changelog; the scan runs
     * once per window length, not at every commit.
     */
    private void evictLive() {
        long horizon = store.streamTime() - live.kept() * windowMs;
        long horizonStart = horizon - Math.floorMod(horizon, windowMs);
        if (horizonStart > liveEvictedBefore) {
            live.evictBefore(partition, horizonStart);
            store.keepClosedFrom(horizonStart);
            liveEvictedBefore = horizonStart;
        }
    }

    /** The task is closing (its partition moved, or the processor stops): its live windows go with it. */
    @Override
    public void close() {
        live.drop(partition, holdToken);
    }
}
