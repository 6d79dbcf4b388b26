package io.kpipe.spark;

import io.kpipe.model.Device;
import io.kpipe.model.JsonSerde;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The device registry ({@code devices}, compacted) of this JVM, for the site and unit of each
 * window: read to its end before the query starts, then followed by a thread of its own. The same
 * acceptance rules as kpipe's Kafka Streams loader (process/DeviceLoader): an entry that is not a
 * {@link Device}, has a {@link Device#problem()}, or names another sensor than its key is skipped;
 * a tombstone removes the sensor.
 *
 * <p>One registry per JVM: in {@code local[N]} the executors are threads of the driver's JVM, which
 * is the only way kpipe runs Spark. A cluster deployment would load it per executor instead.
 */
final class Devices {
    private static final Map<String, Device> BY_SENSOR = new ConcurrentHashMap<>();
    private static final JsonSerde<Device> JSON = new JsonSerde<>(Device.class);

    private Devices() {}

    /** The sensor's entry now, or null if the registry does not know it. */
    static Device get(String sensor) {
        return BY_SENSOR.get(sensor);
    }

    /** Reads the topic to its end, then keeps following it on a daemon thread. */
    static void follow(SparkSettings settings) throws InterruptedException {
        Map<String, Object> props = new HashMap<>(settings.kafka());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        CountDownLatch loaded = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> parts = c.partitionsFor(settings.devicesTopic()).stream()
                        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                c.assign(parts);
                c.seekToBeginning(parts);
                Map<TopicPartition, Long> end = c.endOffsets(parts);
                while (true) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                        apply(r.key(), r.value());
                    }
                    if (loaded.getCount() > 0 && parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) {
                        loaded.countDown();
                    }
                }
            } catch (RuntimeException e) {
                System.err.println("kpipe-spark: the device registry stopped: " + e);
            }
        }, "kpipe-devices");
        t.setDaemon(true);
        t.start();
        if (!loaded.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the device registry " + settings.devicesTopic() + " was not read within 60 s");
        }
    }

    static void apply(String sensor, byte[] value) {
        if (sensor == null) {
            return;
        }
        if (value == null) {
            BY_SENSOR.remove(sensor);
            return;
        }
        Device d;
        try {
            d = JSON.deserialize(null, value);
        } catch (RuntimeException e) {
            return;
        }
        if (d != null && d.problem() == null && sensor.equals(d.sensor())) {
            BY_SENSOR.put(sensor, d);
        }
    }
}
