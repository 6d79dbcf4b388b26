package io.kpipe.process;

import io.kpipe.model.Device;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the global device store in step with the compacted {@code devices} topic: every processor
 * instance holds the whole registry. A tombstone removes a device; a record that is not a valid
 * device (bad JSON, a missing site, a key other than its sensor) is skipped and counted, so one bad
 * entry cannot stop the pipeline. Each write is counted in {@link RegistryVersions}, after it is in the
 * store, so that the stream threads know when to look a sensor up again.
 */
final class DeviceLoader implements Processor<String, byte[], Void, Void> {
    private final Deserializer<Device> devices;
    private final ProcessingStats stats;
    private final RegistryVersions versions;
    private KeyValueStore<String, Device> store;

    /** {@code devices}: the value deserializer of the catalog's devices topic. */
    DeviceLoader(Deserializer<Device> devices, ProcessingStats stats, RegistryVersions versions) {
        this.devices = devices;
        this.stats = stats;
        this.versions = versions;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(PointTopology.DEVICES_STORE);
        // The store may have been filled again without this processor (a restoration).
        versions.changedAll();
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (record.key() == null) {
            stats.recordDeviceRejected();
            return;
        }
        if (record.value() == null) {
            store.delete(record.key());
            changed(record.key());
            return;
        }
        Device d;
        try {
            d = devices.deserialize(null, record.value());
        } catch (RuntimeException e) {
            stats.recordDeviceRejected();
            return;
        }
        if (d == null || d.problem() != null || !record.key().equals(d.sensor())) {
            stats.recordDeviceRejected();
            return;
        }
        store.put(record.key(), d);
        changed(record.key());
    }

    private void changed(String sensor) {
        versions.changed(Arrays.hashCode(sensor.getBytes(StandardCharsets.UTF_8)));
    }
}
