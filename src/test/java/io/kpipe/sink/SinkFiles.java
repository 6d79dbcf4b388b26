package io.kpipe.sink;

import io.kpipe.config.KafkaConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/** What the file sink tests produce, and what they read back from a directory and a group. */
final class SinkFiles {
    private SinkFiles() {}

    /**
     * Sends {@code n} distinct JSON lines to {@code topic}, in transactions of {@code perTransaction}
     * records (so every partition ends with a transaction marker), and returns them.
     */
    static List<String> produceInTransactions(KafkaConnection kafka, String topic, int n, int perTransaction) {
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(kafka.clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, topic + "-test-producer")), new StringSerializer(),
                new StringSerializer())) {
            p.initTransactions();
            for (int i = 0; i < n; i += perTransaction) {
                p.beginTransaction();
                for (int j = i; j < Math.min(n, i + perTransaction); j++) {
                    String line = "{\"sensor\":\"s-" + j + "\",\"windowStart\":0,\"count\":" + (j + 1) + "}";
                    p.send(new ProducerRecord<>(topic, "s-" + j, line));
                    sent.add(line);
                }
                p.commitTransaction();
            }
        }
        return sent;
    }

    /** Every line of every completed {@code *.ndjson} file in {@code dir}. */
    static List<String> completedLines(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Path f : list(dir)) {
            if (f.getFileName().toString().endsWith(".ndjson")) {
                lines.addAll(Files.readAllLines(f));
            }
        }
        return lines;
    }

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** Lines that occur more than once, with their count. */
    static Map<String, Long> repeated(List<String> lines) {
        Map<String, Long> counts = lines.stream().collect(Collectors.groupingBy(l -> l, Collectors.counting()));
        counts.values().removeIf(c -> c == 1);
        return counts;
    }

    /** The group's committed offsets minus the partitions' end offsets, per partition (all 0: at the end). */
    static Map<TopicPartition, Long> behindEnd(Admin admin, String group, String topic)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, Long> behind = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, end) -> {
            OffsetAndMetadata c = committed.get(tp);
            behind.put(tp, end.offset() - (c == null ? 0 : c.offset()));
        });
        return behind;
    }

    /** Sum of the group's committed offsets on {@code topic}. */
    static long committedTotal(Admin admin, String group, String topic) throws ExecutionException, InterruptedException {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
                .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
    }
}
