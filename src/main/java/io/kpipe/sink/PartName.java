package io.kpipe.sink;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;

/**
 * The name of one file of the file sink: {@code <topic>-<partition>-<first offset>-<jvm>-<sink>-<seq>},
 * with {@code .ndjson.part} while it is written and {@code .ndjson} once complete. A file holds
 * records of one partition only, in offset order, starting at {@code first offset}.
 *
 * <p>Why every part is there: the partition lets recovery compare the file with that partition's
 * committed position; the first offset says whether any of it can be committed at all; the JVM
 * id (random per JVM) tells recovery that the writer lives in this very JVM, where a file lock
 * cannot tell (POSIX locks belong to the process); the sink id and sequence number make the name
 * unique to one sink instance even when it writes the same partition from the same offset twice.
 */
record PartName(String topic, int partition, long firstOffset, String jvm, String sink, long seq) {
    static final String PART = ".ndjson.part";
    static final String DONE = ".ndjson";
    /** Random per JVM (immutable): whether a file's writer runs in this JVM. */
    static final String THIS_JVM = randomHex(6);

    private static final Pattern FORM = Pattern.compile(
            "(.+)-(\\d+)-(\\d{19})-([0-9a-f]{12})-([0-9a-f]{8})-(\\d+)\\Q" + PART + "\\E");

    /** A new sink instance's id; with {@link #THIS_JVM} it is unique to the instance. */
    static String newSinkId() {
        return randomHex(4);
    }

    static PartName of(TopicPartition tp, long firstOffset, String sink, long seq) {
        return new PartName(tp.topic(), tp.partition(), firstOffset, THIS_JVM, sink, seq);
    }

    /** The name of a {@code .ndjson.part} file, or null for any other file name. */
    static PartName parse(String fileName) {
        Matcher m = FORM.matcher(fileName);
        if (!m.matches()) {
            return null;
        }
        return new PartName(m.group(1), Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)), m.group(4),
                m.group(5), Long.parseLong(m.group(6)));
    }

    TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    /** Without extension: what commit metadata names. */
    String base() {
        // The offset is zero-padded so that a listing sorted by name is in offset order per partition.
        return String.format(Locale.ROOT, "%s-%d-%019d-%s-%s-%d", topic, partition, firstOffset, jvm, sink, seq);
    }

    String partFile() {
        return base() + PART;
    }

    String doneFile() {
        return base() + DONE;
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
