package io.kpipe.devices;

import io.kpipe.config.KafkaConnection;
import io.kpipe.generate.Generator;
import io.kpipe.model.Device;
import io.kpipe.topics.Topic;
import io.kpipe.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Writes devices to the compacted {@code devices} topic (key = sensor id), acknowledged by all replicas. */
public final class DeviceRegistry {
    private DeviceRegistry() {}

    /** Writes the devices and waits until each is acknowledged; returns how many were. */
    public static int write(KafkaConnection kafka, String topicPrefix, List<Device> devices) throws InterruptedException {
        Topic<String, Device> devicesTopic = Topics.withPrefix(topicPrefix).devices();
        String topic = devicesTopic.name();
        Map<String, Object> tuning = Map.copyOf(Generator.producerTuning());
        try (KafkaProducer<String, Device> producer = new KafkaProducer<>(kafka.clientProperties(tuning),
                devicesTopic.keySerde().serializer(), devicesTopic.valueSerde().serializer())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>(devices.size());
            for (Device d : devices) {
                acks.add(producer.send(new ProducerRecord<>(topic, d.sensor(), d)));
            }
            producer.flush();
            for (Future<RecordMetadata> f : acks) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("cannot write to " + topic + ": " + e.getCause().getMessage(), e);
                }
            }
            producer.close(Duration.ofSeconds(30));
            return acks.size();
        }
    }
}
