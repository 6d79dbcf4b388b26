package io.kpipe.sink;

import io.kpipe.config.KafkaConnection;
import io.kpipe.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kpipe sink files}: the window results of {@code points-agg-1m} ({@code read_committed}) as
 * NDJSON files, one record value per line, one file per partition at a time, named as
 * {@link PartName} says. Every record committed by the sink's group is in exactly one completed
 * {@code *.ndjson} file, also after a crash of the sink at any point:
 * <pre>
 *   poll ─► append lines to each partition's .part ─► fsync them ─► commit positions, each with
 *   "<file>:<bytes>" as metadata ─► roll: cut to the committed bytes, fsync, link as .ndjson,
 *   delete .part, fsync the directory
 *   (a file that reaches maxBytes is committed and rolled at once, mid-batch)
 * </pre>
 * A sink that is assigned a partition first finishes the files a dead sink left for it
 * ({@link PartRecovery}); a commit that fails (the group rebalanced) cuts the files back to what
 * is committed and reads the rest again. Positions are committed after every poll, also an empty
 * one, so the group reaches the end of each partition, past trailing transaction markers.
 *
 * <p>Usage: {@code new Thread(sink::run).start(); ... sink.close();}
 */
public final class FileSink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileSink.class);

    /** Where and how to write. */
    public record Config(KafkaConnection kafka, String topicPrefix, Path dir, long maxBytes, Duration maxAge,
            String group) {
        public static String defaultGroup(String topicPrefix) {
            return topicPrefix + "kpipe-sink-files";
        }
    }

    private final Config config;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String sinkId = PartName.newSinkId();
    private final AtomicLong lines = new AtomicLong();
    private final AtomicLong filesDone = new AtomicLong();
    private final Map<TopicPartition, PartFile> open = new HashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> lastCommit = new HashMap<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private long seq;
    private volatile boolean started;
    private volatile boolean stop;

    public FileSink(Config config) {
        this.config = config;
        try {
            Files.createDirectories(config.dir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + config.dir(), e);
        }
        this.consumer = PositionCommitter.newConsumer(config.kafka(), config.group());
    }

    /** Consumes and writes until {@link #close()}; throws if the directory cannot be written. */
    public void run() {
        started = true;
        consumer.subscribe(List.of(Topics.withPrefix(config.topicPrefix()).aggregates().name()), new Rebalance());
        boolean stopped = false;
        try {
            // No wakeup(): an interrupted commit would leave it unknown whether the last lines are committed.
            while (!stop) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (write(records) && commit(positions())) {
                    rollDue();
                }
            }
            stopped = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + config.dir(), e);
        } finally {
            try {
                if (stopped) {
                    completeAll(new ArrayList<>(open.keySet()));
                } else {
                    abandonAll();
                }
            } catch (IOException e) {
                log.warn("cannot close the files in {}: {} (the next start finishes them)", config.dir(), e.toString());
            } finally {
                consumer.close(Duration.ofSeconds(10));
                finished.countDown();
            }
        }
    }

    /** Appends a batch; false if a commit on the way failed (the batch was given up, to be read again). */
    private boolean write(ConsumerRecords<byte[], byte[]> records) throws IOException {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.value() == null) {
                continue;
            }
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            PartFile file = open.get(tp);
            if (file == null) {
                file = PartFile.create(config.dir(), PartName.of(tp, r.offset(), sinkId, seq++));
                open.put(tp, file);
            }
            file.append(ByteBuffer.allocate(r.value().length + 1).put(r.value()).put((byte) '\n').flip(), r.offset());
            lines.incrementAndGet();
            if (file.size() >= config.maxBytes()) {
                // Roll at the size asked for: commit what is written so far, then publish the file.
                if (!commit(written())) {
                    return false;
                }
                roll(tp);
            }
        }
        return true;
    }

    /** After a whole batch: every assigned partition's position (past any transaction marker). */
    private Map<TopicPartition, Long> positions() {
        Map<TopicPartition, Long> p = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            p.put(tp, consumer.position(tp));
        }
        return p;
    }

    /** Mid-batch: past the last line written, for each partition with lines not yet committed. */
    private Map<TopicPartition, Long> written() {
        Map<TopicPartition, Long> p = new HashMap<>();
        open.forEach((tp, f) -> {
            if (f.hasUncommitted()) {
                p.put(tp, f.lastOffset() + 1);
            }
        });
        return p;
    }

    /**
     * Syncs the files, then commits {@code positions}, each naming its partition's open file and
     * the bytes the position covers. False if the group took the commit away (rebalance): the
     * files are cut back to what is committed and the partitions read again from there.
     */
    private boolean commit(Map<TopicPartition, Long> positions) throws IOException {
        for (PartFile f : open.values()) {
            f.sync();
        }
        Map<TopicPartition, OffsetAndMetadata> moved = new HashMap<>();
        positions.forEach((tp, offset) -> {
            PartFile f = open.get(tp);
            OffsetAndMetadata o = new OffsetAndMetadata(offset,
                    f == null ? "" : PartRecovery.metadata(f.name(), f.syncedBytes()));
            if (!o.equals(lastCommit.get(tp))) {
                moved.put(tp, o);
            }
        });
        if (moved.isEmpty()) {
            return true;
        }
        try {
            consumer.commitSync(moved);
        } catch (CommitFailedException | RebalanceInProgressException e) {
            log.info("offset commit failed ({}); the lines since the last commit are cut off and read again",
                    e.getMessage());
            giveUpBatch();
            return false;
        }
        moved.forEach((tp, o) -> {
            lastCommit.put(tp, o);
            PartFile f = open.get(tp);
            if (f != null) {
                f.committed(f.syncedBytes());
            }
        });
        return true;
    }

    private void giveUpBatch() throws IOException {
        for (PartFile f : open.values()) {
            f.revertToCommitted();
        }
        lastCommit.clear();
        var assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata c = committed.get(tp);
            if (c != null) {
                consumer.seek(tp, c.offset());
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
    }

    private void rollDue() throws IOException {
        long now = System.currentTimeMillis();
        List<TopicPartition> due = new ArrayList<>();
        open.forEach((tp, f) -> {
            if (f.size() >= config.maxBytes() || f.ageMillis(now) >= config.maxAge().toMillis()) {
                due.add(tp);
            }
        });
        for (TopicPartition tp : due) {
            roll(tp);
        }
    }

    private void roll(TopicPartition tp) throws IOException {
        if (open.remove(tp).complete()) {
            filesDone.incrementAndGet();
        }
    }

    private void completeAll(Collection<TopicPartition> partitions) throws IOException {
        for (TopicPartition tp : partitions) {
            if (open.containsKey(tp)) {
                roll(tp);
            }
            lastCommit.remove(tp);
        }
    }

    /**
     * After a failure (a commit that timed out may have succeeded or not): leaves the files to
     * recovery, which goes by what the group actually committed.
     */
    private void abandonAll() throws IOException {
        List<PartFile> files = new ArrayList<>(open.values());
        open.clear();
        for (PartFile f : files) {
            f.abandon();
        }
    }

    /** Lines written (a batch given up after a failed commit is written, and counted, again). */
    public long lines() {
        return lines.get();
    }

    /** Files completed (published as {@code .ndjson}) so far. */
    public long files() {
        return filesDone.get();
    }

    /**
     * Stops {@link #run()} within one poll and waits (up to 20 s) until it has completed its files
     * with what is committed, so that a shutdown hook leaves no {@code .part} file behind.
     */
    @Override
    public void close() {
        stop = true;
        if (started) {
            try {
                finished.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Publishes the files of partitions that leave, recovers left-behind files of those that come. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Everything written was committed after the last poll (or cut back): publish it.
            try {
                completeAll(partitions);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot complete files in " + config.dir(), e);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            onPartitionsRevoked(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            try {
                PartRecovery.Outcome o = PartRecovery.recover(config.dir(), partitions,
                        consumer.committed(new HashSet<>(partitions)));
                if (!o.published().isEmpty() || !o.deleted().isEmpty()) {
                    log.info("finished files a stopped sink left in {}: {} published, {} deleted (uncommitted)",
                            config.dir(), o.published().size(), o.deleted().size());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot recover files in " + config.dir(), e);
            }
        }
    }
}
