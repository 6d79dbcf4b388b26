package io.kpipe.sink;

import io.kpipe.config.KafkaConnection;
import io.kpipe.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * {@code kpipe sink files}: the window results of {@code points-agg-1m} ({@code read_committed}) as
 * NDJSON files, one record value per line. The file being written is {@code <name>.ndjson.part};
 * it is rolled (fsynced, closed and renamed to {@code .ndjson}) when it reaches {@code maxBytes} or
 * {@code maxAge}. Each polled batch is written and fsynced before its offsets are committed, so a
 * crash loses nothing; the batch since the last commit is written again after it (files are
 * at-least-once: the last line per window wins, as on the topic).
 */
public final class FileSink implements AutoCloseable {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** Where and how to write. */
    public record Config(KafkaConnection kafka, String topicPrefix, Path dir, long maxBytes, Duration maxAge, String group) {
        public static String defaultGroup(String topicPrefix) {
            return topicPrefix + "kpipe-sink-files";
        }
    }

    private final Config config;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AtomicLong lines = new AtomicLong();
    private final AtomicLong filesDone = new AtomicLong();
    private final PositionCommitter positions;
    private volatile boolean stop;
    private FileChannel current;
    private Path currentPath;
    private long currentBytes;
    private long currentOpened;
    private int seq;

    public FileSink(Config config) {
        this.config = config;
        try {
            Files.createDirectories(config.dir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + config.dir(), e);
        }
        this.consumer = PositionCommitter.newConsumer(config.kafka(), config.group());
        this.positions = new PositionCommitter(consumer);
    }

    /** Consumes and writes until {@link #close()}. */
    public void run() {
        consumer.subscribe(List.of(Topics.withPrefix(config.topicPrefix()).aggregates().name()));
        try {
            while (!stop) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (current != null && System.currentTimeMillis() - currentOpened >= config.maxAge().toMillis()) {
                    roll();
                }
                if (records.isEmpty()) {
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (r.value() != null) {
                        write(r.value());
                    }
                }
                if (current != null) {
                    current.force(true);   // (null: the last record rolled the file, which fsyncs it)
                }
                positions.commit();
            }
        } catch (WakeupException e) {
            if (!stop) {
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + config.dir(), e);
        } finally {
            consumer.close(Duration.ofSeconds(10));
            try {
                if (current != null) {
                    roll();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close " + currentPath, e);
            }
        }
    }

    private void write(byte[] value) throws IOException {
        if (current == null) {
            currentPath = config.dir().resolve("points-agg-1m-" + LocalDateTime.now().format(STAMP) + "-" + (seq++)
                    + ".ndjson.part");
            current = FileChannel.open(currentPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            currentBytes = 0;
            currentOpened = System.currentTimeMillis();
        }
        ByteBuffer line = ByteBuffer.allocate(value.length + 1).put(value).put((byte) '\n').flip();
        while (line.hasRemaining()) {
            currentBytes += current.write(line);
        }
        lines.incrementAndGet();
        if (currentBytes >= config.maxBytes()) {
            roll();
        }
    }

    /** Fsyncs and closes the current file and gives it its final name. */
    private void roll() throws IOException {
        current.force(true);
        current.close();
        String name = currentPath.getFileName().toString();
        Files.move(currentPath, currentPath.resolveSibling(name.substring(0, name.length() - ".part".length())),
                StandardCopyOption.ATOMIC_MOVE);
        current = null;
        filesDone.incrementAndGet();
    }

    public long lines() {
        return lines.get();
    }

    /** Files rolled (complete) so far. */
    public long files() {
        return filesDone.get();
    }

    @Override
    public void close() {
        stop = true;
        consumer.wakeup();
    }
}
