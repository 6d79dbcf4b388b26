package io.kpipe.testing;

import io.kpipe.config.KafkaConnection;
import io.kpipe.config.TopicSettings;
import io.kpipe.topics.TopicAdmin;
import io.kpipe.topics.Topics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/** Small helpers shared by the integration tests. */
public final class Pipelines {
    private Pipelines() {}

    /** Every record of {@code topic} up to its end now (read_committed), in partition then offset order. */
    public static List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> readAll(KafkaConnection kafka,
                                                                                                 String topic) {
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(kafka.clientProperties(Map.of(
                "isolation.level", "read_committed", "enable.auto.commit", false)),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var parts = consumer.partitionsFor(topic).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(parts);
            List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> all = new java.util.ArrayList<>();
            long deadline = System.currentTimeMillis() + 60_000;
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end in 60 s");
                }
                consumer.poll(java.time.Duration.ofMillis(200)).forEach(all::add);
            }
            all.sort(java.util.Comparator.<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>>comparingInt(
                    org.apache.kafka.clients.consumer.ConsumerRecord::partition).thenComparingLong(
                    org.apache.kafka.clients.consumer.ConsumerRecord::offset));
            return all;
        }
    }

    /** Whether the real kcat (librdkafka) is on the PATH: tests of non-Java clients are skipped, saying so, without it. */
    public static boolean kcatInstalled() {
        try {
            return new ProcessBuilder("kcat", "-V").redirectErrorStream(true).start().waitFor() == 0;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public static List<TopicAdmin.Outcome> createTopics(KafkaConnection kafka, String prefix, int partitions) {
        try (Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
            TopicAdmin ta = new TopicAdmin(admin);
            return ta.ensure(TopicAdmin.specs(Topics.withPrefix(prefix), new TopicSettings(prefix, partitions, 0),
                    io.kpipe.topics.Connectivity.brokerCount(admin, kafka)));
        }
    }
}
