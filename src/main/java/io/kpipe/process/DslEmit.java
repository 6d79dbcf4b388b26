package io.kpipe.process;

import io.kpipe.model.Aggregate;
import io.kpipe.model.Device;
import io.kpipe.model.WindowResult;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The output of the DSL job ({@link DslTopology}): each window update the DSL's window store hands
 * on (at a commit, or when its cache evicts) becomes the record kpipe writes to
 * {@code points-agg-1m}: key {@code <sensor>@<window start>}, the {@link WindowResult} JSON with the
 * sensor's site and unit from the registry as it is at this update, and the window's last event time
 * as its timestamp (as {@link PointAggregator} writes it). Results are also published to
 * {@link LiveWindows} for the query API.
 */
final class DslEmit implements Processor<Windowed<Bytes>, Aggregate, String, WindowResult> {
    private final LiveWindows live;
    private final long windowMs;
    private ProcessorContext<String, WindowResult> context;
    private KeyValueStore<String, Device> devices;
    private int partition;
    private Object holdToken;
    private long newestStart = Long.MIN_VALUE;
    private long liveEvictedBefore = Long.MIN_VALUE;

    DslEmit(LiveWindows live, long windowMs) {
        this.live = live;
        this.windowMs = windowMs;
    }

    @Override
    public void init(ProcessorContext<String, WindowResult> context) {
        this.context = context;
        this.devices = context.getStateStore(PointTopology.DEVICES_STORE);
        this.partition = context.taskId().partition();
        // Held for queries from now (a sensor of this partition with no update here yet is a 404). Unlike
        // --engine streams, the windows restored from the DSL's store are not published: they answer from
        // their next update on.
        this.holdToken = live.hold(partition);
        live.ready(holdToken);
    }

    @Override
    public void process(Record<Windowed<Bytes>, Aggregate> record) {
        Aggregate a = record.value();
        if (a == null) {
            return;   // no tombstones: the job never deletes a window
        }
        String sensor = new String(record.key().key().get(), StandardCharsets.UTF_8);
        long start = record.key().window().start();
        WindowResult result = WindowResult.of(sensor, device(sensor), start, start + windowMs, a);
        context.forward(new Record<>(WindowResult.key(sensor, start), result, a.lastTs()));
        live.publish(partition, result);
        if (start > newestStart) {
            newestStart = start;
            long horizon = start - live.kept() * windowMs;
            if (horizon > liveEvictedBefore) {
                live.evictBefore(partition, horizon);
                liveEvictedBefore = horizon;
            }
        }
    }

    private Device device(String sensor) {
        try {
            return devices.get(sensor);
        } catch (InvalidStateStoreException e) {
            return null;
        }
    }

    @Override
    public void close() {
        live.drop(partition, holdToken);
    }
}
