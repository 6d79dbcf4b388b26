package io.kpipe.sink;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes the {@code .ndjson.part} files that a dead file sink left behind, for the partitions a
 * sink was just assigned, before it writes any of their records again. A file sink commits, with
 * each partition's position, the metadata {@code <file>:<bytes>}: the file it is writing for the
 * partition and how much of it the position covers. So for a left-behind file of partition P that
 * starts at offset F, given P's committed position C and metadata M:
 * <pre>
 *   its .ndjson exists already      crash between link and delete: delete the .part
 *   M names the file, with N bytes  the first N bytes are committed: cut it to N, publish it
 *   no C, or C <= F                 none of it is committed: delete it (its records are read again)
 *   a note says N bytes             as if M named it (see below)
 *   otherwise                       another instance committed P since, and the file's committed
 *                                   length is not known: leave it (.part, unseen by readers), warn
 * </pre>
 * Files whose writer is alive are left alone: a writer in another process holds a lock on its file;
 * one in this JVM is known by the JVM id in the name (a lock cannot tell, and opening and closing
 * the file here would drop that writer's lock). A live writer that lost its partition cuts and
 * publishes its file itself once it notices; in case it dies first, the sink taking over writes
 * down what M says of that file in a note ({@code <file>.committed}) before it commits anything
 * that would replace M.
 */
final class PartRecovery {
    private static final Logger log = LoggerFactory.getLogger(PartRecovery.class);

    /** What recovery did, by file name. */
    record Outcome(List<String> published, List<String> deleted, List<String> left) {}

    private PartRecovery() {}

    static String metadata(PartName name, long bytes) {
        return name.base() + ":" + bytes;
    }

    /**
     * Recovers the left-behind files of {@code partitions} in {@code dir}, given those partitions'
     * committed positions ({@code null} or absent: nothing committed).
     */
    static Outcome recover(Path dir, Collection<TopicPartition> partitions,
            Map<TopicPartition, OffsetAndMetadata> committed) throws IOException {
        Outcome outcome = new Outcome(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<PartName> names;
        try (Stream<Path> files = Files.list(dir)) {
            names = files.map(f -> PartName.parse(f.getFileName().toString()))
                    .filter(n -> n != null && partitions.contains(n.topicPartition())
                            && !n.jvm().equals(PartName.THIS_JVM))
                    .sorted(java.util.Comparator.comparing(PartName::base))
                    .toList();
        }
        for (PartName name : names) {
            recover(dir, name, committed.get(name.topicPartition()), outcome);
        }
        return outcome;
    }

    private static void recover(Path dir, PartName name, OffsetAndMetadata position, Outcome outcome)
            throws IOException {
        Path part = dir.resolve(name.partFile());
        FileChannel channel;
        try {
            channel = FileChannel.open(part, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            return;   // another sink finished it meanwhile
        }
        try (channel) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;   // another sink of this JVM is recovering it now
            }
            long bytes = committedBytes(name, position);
            if (lock == null) {
                if (bytes >= 0 && Files.exists(part)) {
                    writeNote(dir, name, bytes);   // its writer lives; the note outlives M
                }
            } else if (Files.exists(part)) {   // (else another sink finished it between open and lock)
                finish(dir, name, channel, bytes >= 0 ? bytes : readNote(dir, name), outcome);
            }
        }
    }

    /** Publishes the first {@code bytes} of a locked left-behind file; leaves it if that is unknown (-1). */
    private static void finish(Path dir, PartName name, FileChannel channel, long bytes, Outcome outcome)
            throws IOException {
        Path part = dir.resolve(name.partFile());
        if (Files.exists(dir.resolve(name.doneFile()))) {   // a crash between link and delete
            Files.delete(part);
            PartFile.syncDirectory(dir);
            deleteNote(dir, name);
            outcome.deleted().add(name.partFile());
            return;
        }
        if (bytes < 0) {
            log.warn("{} left as it is: partition {} was committed by another sink instance after it, so which of "
                    + "its lines are committed is unknown (it stays a .part file, unseen by readers of *.ndjson)",
                    part, name.topicPartition());
            outcome.left().add(name.partFile());
            return;
        }
        long size = channel.size();
        if (bytes > size) {
            // Cannot happen (the file was synced before its offsets were committed) unless the disk lost it.
            log.warn("{} holds {} bytes, less than the {} its committed offsets cover; published as it is",
                    part, size, bytes);
            bytes = size;
        }
        channel.truncate(bytes);
        channel.force(true);
        if (PartFile.publish(dir, name, bytes)) {
            outcome.published().add(name.doneFile());
        } else {
            outcome.deleted().add(name.partFile());
        }
        deleteNote(dir, name);
    }

    private static Path note(Path dir, PartName name) {
        return dir.resolve(name.base() + ".committed");
    }

    /** Durably: write, fsync, rename over any older note (same content), fsync the directory. */
    private static void writeNote(Path dir, PartName name, long bytes) throws IOException {
        Path tmp = dir.resolve(name.base() + ".committed.tmp-" + PartName.THIS_JVM);
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            c.write(java.nio.ByteBuffer.wrap(Long.toString(bytes).getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            c.force(true);
        }
        Files.move(tmp, note(dir, name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        PartFile.syncDirectory(dir);
    }

    /** The committed length a note gives, -1 if there is none. */
    private static long readNote(Path dir, PartName name) throws IOException {
        Path note = note(dir, name);
        return Files.exists(note) ? Long.parseLong(Files.readString(note).trim()) : -1;
    }

    /** A note is only needed while its .part exists. */
    static void deleteNote(Path dir, PartName name) throws IOException {
        Files.deleteIfExists(note(dir, name));
    }

    /** The committed length of the file: -1 if unknown. */
    private static long committedBytes(PartName name, OffsetAndMetadata position) {
        if (position == null || position.offset() <= name.firstOffset()) {
            return 0;
        }
        String m = position.metadata();
        int colon = m == null ? -1 : m.lastIndexOf(':');
        if (colon > 0 && m.substring(0, colon).equals(name.base())) {
            return Long.parseLong(m.substring(colon + 1));
        }
        return -1;
    }
}
