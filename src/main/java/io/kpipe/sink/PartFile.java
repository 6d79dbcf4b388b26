package io.kpipe.sink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The {@code .ndjson.part} file of one partition that a file sink is writing, and the length of
 * it that the sink's committed offsets cover. The writer holds an exclusive lock on it for as long
 * as it is open, so that another process's recovery leaves it alone (the lock dies with the
 * process, SIGKILL included).
 *
 * <p>Contract: {@link #append} whole lines, {@link #sync}, then commit the offsets naming
 * {@link #name()} and {@link #syncedBytes()}, then {@link #committed}. {@link #complete} publishes
 * exactly the committed length, so a reader of {@code *.ndjson} never sees an uncommitted or
 * partial line.
 */
final class PartFile {
    private final Path dir;
    private final PartName name;
    private final FileChannel channel;
    private final FileLock lock;
    private final long opened = System.currentTimeMillis();
    private long size;
    private long synced;
    private long committed;
    private long lastOffset = -1;

    private PartFile(Path dir, PartName name, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.name = name;
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates the file (never an existing one) and makes its directory entry durable. */
    static PartFile create(Path dir, PartName name) throws IOException {
        FileChannel channel = FileChannel.open(dir.resolve(name.partFile()), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {   // cannot happen to a file just created with CREATE_NEW, unless the name is reused
            channel.close();
            throw new IOException(name.partFile() + " is locked by another process");
        }
        // Without this a crash can lose the file's entry while its offsets are committed.
        syncDirectory(dir);
        return new PartFile(dir, name, channel, lock);
    }

    PartName name() {
        return name;
    }

    void append(ByteBuffer line, long offset) throws IOException {
        while (line.hasRemaining()) {
            size += channel.write(line);
        }
        lastOffset = offset;
    }

    /** Makes everything appended durable. */
    void sync() throws IOException {
        if (synced < size) {
            channel.force(true);
            synced = size;
        }
    }

    long size() {
        return size;
    }

    long syncedBytes() {
        return synced;
    }

    /** Offset of the last record appended, -1 if none. */
    long lastOffset() {
        return lastOffset;
    }

    long ageMillis(long now) {
        return now - opened;
    }

    /** The offset commit naming this file and {@code bytes} succeeded. */
    void committed(long bytes) {
        committed = bytes;
    }

    boolean hasUncommitted() {
        return size > committed;
    }

    /** Cuts off what the offsets do not cover (a commit failed: those records are read again). */
    void revertToCommitted() throws IOException {
        if (size > committed) {
            channel.truncate(committed);
            channel.force(true);
            size = committed;
            synced = committed;
        }
    }

    /**
     * Closes the file and publishes its committed part as {@code .ndjson} (nothing, if nothing of
     * it is committed). Returns whether a file was published.
     */
    boolean complete() throws IOException {
        try {
            revertToCommitted();
            channel.force(true);
        } finally {
            lock.release();
            channel.close();
        }
        boolean published = publish(dir, name, committed);
        PartRecovery.deleteNote(dir, name);   // a sink that took the partition over may have left one
        return published;
    }

    /**
     * Closes the file as it is, unpublished, for recovery to finish by the committed metadata:
     * after a failure it is not known for sure which of its lines are committed.
     */
    void abandon() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    /**
     * Publishes a closed, synced {@code .part} file of length {@code bytes} under its final name,
     * or deletes it if {@code bytes} is 0. A hard link, not a rename: {@code link(2)} fails if the
     * name exists, where {@code rename(2)} (and ATOMIC_MOVE) would silently replace another file.
     * A crash between link and delete leaves both names on one file; recovery then deletes the
     * {@code .part}.
     */
    static boolean publish(Path dir, PartName name, long bytes) throws IOException {
        Path part = dir.resolve(name.partFile());
        boolean published = bytes > 0;
        if (published) {
            Files.createLink(dir.resolve(name.doneFile()), part);
        }
        Files.delete(part);
        syncDirectory(dir);
        return published;
    }

    /** fsync of a directory: makes a create, link, rename or delete in it durable. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
