package io.kpipe.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.KafkaConnection;
import io.kpipe.model.WindowResult;
import io.kpipe.model.WindowResultSerde;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import io.kpipe.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
@Timeout(120)
@ExtendWith(SharedCluster.class)
class FileSinkIT {
    @TempDir
    Path dir;

    @Test
    void shouldWriteEveryWindowUpdateAsOneNdjsonLineRollingBySize(LocalCluster cluster) throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("files-");
        Pipelines.createTopics(kafka, prefix, 3);
        List<WindowResult> sent = new ArrayList<>();
        try (KafkaProducer<String, WindowResult> p = new KafkaProducer<>(kafka.clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all")), new StringSerializer(), new WindowResultSerde())) {
            for (int i = 0; i < 300; i++) {
                WindowResult r = new WindowResult("s-" + i, "site-1", "C", 0, 60_000, i + 1, i, 0, i, i / 2.0, 1, 1, 2);
                p.send(new ProducerRecord<>(Topics.withPrefix(prefix).aggregates().name(), WindowResult.key(r.sensor(), 0), r));
                sent.add(r);
            }
        }
        FileSink sink = new FileSink(new FileSink.Config(kafka, prefix, dir, 8_192, Duration.ofHours(1), prefix + "files"));
        Thread t = new Thread(sink::run);
        t.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> sink.lines() >= 300);
        sink.close();
        t.join(20_000);

        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        assertThat(files).allMatch(f -> f.getFileName().toString().endsWith(".ndjson"));
        assertThat(files.size()).as("rolled at 8 KiB").isGreaterThan(3);
        WindowResultSerde serde = new WindowResultSerde();
        List<WindowResult> read = new ArrayList<>();
        for (Path f : files) {
            assertThat(Files.size(f)).isLessThanOrEqualTo(8_192 + 512);
            for (String line : Files.readAllLines(f)) {
                read.add(serde.deserialize(null, line.getBytes(StandardCharsets.UTF_8)));
            }
        }
        assertThat(read).containsExactlyInAnyOrderElementsOf(sent);
    }

    @Test
    void shouldMoveTheGroupToTheEndOfEveryPartitionPastItsTrailingTransactionMarker(LocalCluster cluster)
            throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("files-end-");
        Pipelines.createTopics(kafka, prefix, 3);
        String topic = Topics.withPrefix(prefix).aggregates().name();
        List<String> sent = SinkFiles.produceInTransactions(kafka, topic, 90, 30);
        String group = prefix + "files";

        FileSink sink = new FileSink(new FileSink.Config(kafka, prefix, dir, 1 << 20, Duration.ofHours(1), group));
        Thread t = new Thread(sink::run);
        t.start();
        try (Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
            // A read_committed consumer passes each partition's last marker on a poll that returns nothing.
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> SinkFiles.behindEnd(admin, group, topic).values().stream().allMatch(b -> b == 0));
        } finally {
            sink.close();
            t.join(20_000);
        }
        assertThat(SinkFiles.completedLines(dir)).containsExactlyInAnyOrderElementsOf(sent);
    }

    @Test
    void shouldGiveTwoInstancesSharingADirectoryTheirOwnFilesAndWriteEveryRecordOnce(LocalCluster cluster)
            throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("files-two-");
        Pipelines.createTopics(kafka, prefix, 3);
        String topic = Topics.withPrefix(prefix).aggregates().name();
        List<String> sent = SinkFiles.produceInTransactions(kafka, topic, 600, 50);
        String group = prefix + "files";

        List<FileSink> sinks = List.of(
                new FileSink(new FileSink.Config(kafka, prefix, dir, 1024, Duration.ofHours(1), group)),
                new FileSink(new FileSink.Config(kafka, prefix, dir, 1024, Duration.ofHours(1), group)));
        List<Thread> threads = sinks.stream().map(s -> new Thread(s::run)).toList();
        threads.forEach(Thread::start);
        try (Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> SinkFiles.behindEnd(admin, group, topic).values().stream().allMatch(b -> b == 0));
        } finally {
            sinks.forEach(FileSink::close);
            for (Thread t : threads) {
                t.join(20_000);
            }
        }
        List<Path> files = SinkFiles.list(dir);
        assertThat(files).allMatch(f -> f.getFileName().toString().endsWith(".ndjson"));
        List<String> read = SinkFiles.completedLines(dir);
        assertThat(SinkFiles.repeated(read)).isEmpty();
        assertThat(read).containsExactlyInAnyOrderElementsOf(sent);
    }
}
