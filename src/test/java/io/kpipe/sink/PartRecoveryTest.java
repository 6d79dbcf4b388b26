package io.kpipe.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartRecoveryTest {
    private static final TopicPartition TP = new TopicPartition("x-points-agg-1m", 2);
    /** Written by a sink in another JVM, now dead. */
    private static final PartName DEAD = new PartName(TP.topic(), 2, 100, "0123456789ab", "deadbeef", 7);
    private static final String LINES = "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":";   // 3 lines and a torn 4th

    @TempDir
    Path dir;

    private final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();

    @Test
    void shouldPublishExactlyTheBytesTheCommittedPositionNamesCuttingOffUncommittedAndTornLines() throws Exception {
        write(DEAD, LINES);
        committed.put(TP, new OffsetAndMetadata(102, PartRecovery.metadata(DEAD, 16)));   // 2 lines committed

        PartRecovery.Outcome o = PartRecovery.recover(dir, List.of(TP), committed);

        assertThat(o.published()).containsExactly(DEAD.doneFile());
        assertThat(files()).containsExactly(DEAD.doneFile());
        assertThat(Files.readString(dir.resolve(DEAD.doneFile()))).isEqualTo("{\"a\":1}\n{\"a\":2}\n");
    }

    @Test
    void shouldDeleteAFileThatNoCommittedPositionReaches() throws Exception {
        write(DEAD, LINES);
        committed.put(TP, new OffsetAndMetadata(100, "some-other-file:99"));   // the file starts at 100

        assertThat(PartRecovery.recover(dir, List.of(TP), committed).deleted()).containsExactly(DEAD.partFile());
        assertThat(files()).isEmpty();
    }

    @Test
    void shouldDeleteAFileOfAPartitionWithNothingCommitted() throws Exception {
        write(DEAD, LINES);

        PartRecovery.recover(dir, List.of(TP), committed);

        assertThat(files()).isEmpty();
    }

    @Test
    void shouldLeaveAFileWhoseCommittedLengthIsUnknownBecauseAnotherSinkCommittedSince() throws Exception {
        write(DEAD, LINES);
        committed.put(TP, new OffsetAndMetadata(500, "x-points-agg-1m-2-0000000000000000300-aaaaaaaaaaaa-bbbbbbbb-0:40"));

        assertThat(PartRecovery.recover(dir, List.of(TP), committed).left()).containsExactly(DEAD.partFile());
        assertThat(Files.readString(dir.resolve(DEAD.partFile()))).isEqualTo(LINES);
    }

    @Test
    void shouldDeleteThePartWhenACrashCameBetweenLinkAndDelete() throws Exception {
        write(DEAD, "{\"a\":1}\n");
        Files.createLink(dir.resolve(DEAD.doneFile()), dir.resolve(DEAD.partFile()));
        committed.put(TP, new OffsetAndMetadata(101, PartRecovery.metadata(DEAD, 8)));

        PartRecovery.recover(dir, List.of(TP), committed);

        assertThat(files()).containsExactly(DEAD.doneFile());
        assertThat(Files.readString(dir.resolve(DEAD.doneFile()))).isEqualTo("{\"a\":1}\n");
    }

    @Test
    void shouldLeaveFilesOfWritersInThisJvmOtherPartitionsAndLockedFiles() throws Exception {
        PartName ours = new PartName(TP.topic(), 2, 100, PartName.THIS_JVM, "cafecafe", 0);
        PartName otherPartition = new PartName(TP.topic(), 3, 100, "0123456789ab", "deadbeef", 8);
        PartName locked = new PartName(TP.topic(), 2, 200, "0123456789ab", "feedfeed", 0);
        for (PartName n : List.of(ours, otherPartition, locked)) {
            write(n, LINES);
        }
        committed.put(TP, new OffsetAndMetadata(102, PartRecovery.metadata(ours, 16)));

        try (FileChannel c = FileChannel.open(dir.resolve(locked.partFile()), StandardOpenOption.WRITE);
                FileLock lock = c.lock()) {
            PartRecovery.Outcome o = PartRecovery.recover(dir, List.of(TP), committed);
            assertThat(o.published()).isEmpty();
            assertThat(o.deleted()).isEmpty();
        }
        assertThat(files()).containsExactlyInAnyOrder(ours.partFile(), otherPartition.partFile(), locked.partFile(),
                locked.base() + ".committed");
        assertThat(Files.readString(dir.resolve(locked.base() + ".committed"))).as("no position reaches it").isEqualTo("0");
    }

    /**
     * A sink takes the partition over while the old writer is alive (it holds its lock), then the
     * old writer dies before it cut and published its file, after the new owner committed.
     */
    @Test
    void shouldFinishAFileByTheNoteTheTakeoverLeftWhenItsWriterDiedAfterTheTakeover() throws Exception {
        write(DEAD, LINES);
        committed.put(TP, new OffsetAndMetadata(102, PartRecovery.metadata(DEAD, 16)));
        try (FileChannel c = FileChannel.open(dir.resolve(DEAD.partFile()), StandardOpenOption.WRITE);
                FileLock lock = c.lock()) {
            assertThat(PartRecovery.recover(dir, List.of(TP), committed).published()).isEmpty();
        }
        committed.put(TP, new OffsetAndMetadata(900, "x-points-agg-1m-2-0000000000000000102-aaaaaaaaaaaa-bbbbbbbb-0:40"));

        assertThat(PartRecovery.recover(dir, List.of(TP), committed).published()).containsExactly(DEAD.doneFile());
        assertThat(files()).containsExactly(DEAD.doneFile());
        assertThat(Files.readString(dir.resolve(DEAD.doneFile()))).isEqualTo("{\"a\":1}\n{\"a\":2}\n");
    }

    @Test
    void shouldNeverReplaceAnExistingFileWhenPublishing() throws Exception {
        write(DEAD, "{\"a\":1}\n");
        Files.writeString(dir.resolve(DEAD.doneFile()), "someone else's\n");

        assertThatThrownBy(() -> PartFile.publish(dir, DEAD, 8)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(dir.resolve(DEAD.doneFile()))).isEqualTo("someone else's\n");
    }

    @Test
    void shouldParseTheNamesItMakes() {
        assertThat(PartName.parse(DEAD.partFile())).isEqualTo(DEAD);
        assertThat(PartName.parse(DEAD.doneFile())).isNull();
        PartName fresh = PartName.of(TP, 5, PartName.newSinkId(), 3);
        assertThat(PartName.parse(fresh.partFile())).isEqualTo(fresh);
        assertThat(PartName.of(TP, 5, PartName.newSinkId(), 3).base()).as("two sinks, same partition and offset")
                .isNotEqualTo(fresh.base());
    }

    private void write(PartName name, String text) throws Exception {
        Files.writeString(dir.resolve(name.partFile()), text, StandardCharsets.UTF_8);
    }

    private List<String> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
