package io.kpipe.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A record on {@code points-dlq}: the original key and bytes, with headers that say why it is there
 * and where it came from, so it can be fixed and replayed.
 *
 * <p>A dead letter is always small enough to be written: a value over {@link #MAX_VALUE_BYTES} is
 * cut to that prefix (headers {@link #ORIGINAL_SIZE} and {@link #ORIGINAL_SHA256} describe the
 * whole), a key over {@link #MAX_KEY_BYTES} likewise ({@link #ORIGINAL_KEY_SIZE}), and the
 * producer's own headers are dropped when they add up to more than {@link #MAX_HEADER_BYTES}
 * ({@link #ORIGINAL_HEADERS_SIZE}). Otherwise one record that the broker took compressed (lz4 lets
 * a 1.5 MB record of garbage through) would be refused by the producer's {@code max.request.size}
 * and stop the processor on every instance that took its partition over.
 */
public final class DeadLetter {
    /** Human-readable reason, e.g. {@code JSON field 'value' is missing}. */
    public static final String ERROR = "error";
    /** {@link Type#header()}. */
    public static final String ERROR_TYPE = "error.type";
    public static final String SOURCE_TOPIC = "source.topic";
    public static final String SOURCE_PARTITION = "source.partition";
    public static final String SOURCE_OFFSET = "source.offset";
    /** Size in bytes of a value that was truncated. */
    public static final String ORIGINAL_SIZE = "original.size";
    /** SHA-256 (hex) of the whole of a value that was truncated. */
    public static final String ORIGINAL_SHA256 = "original.sha256";
    /** Size in bytes of a key that was truncated. */
    public static final String ORIGINAL_KEY_SIZE = "original.key.size";
    /** Total size in bytes of the producer's headers, when they were dropped. */
    public static final String ORIGINAL_HEADERS_SIZE = "original.headers.size";

    public static final int MAX_VALUE_BYTES = 64 * 1024;
    public static final int MAX_KEY_BYTES = 1024;
    public static final int MAX_HEADER_BYTES = 16 * 1024;

    /** Why a record is in the dead-letter topic. */
    public enum Type {
        /** Not a valid point in any format; never aggregated. */
        INVALID,
        /** Valid, but its window had closed (event time older than stream time minus grace). */
        LATE,
        /** Valid, but its event time is further ahead of its record timestamp (or the processor's clock) than allowed. */
        FUTURE,
        /** Valid, but adding its value would make its window's sum or variance overflow a double. */
        OVERFLOW,
        /** Processing it failed unexpectedly (a defect of kpipe's); kept so that nothing is lost. */
        ERROR;

        public String header() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** A valid point with a window of its own, dead-lettered by the window rules: it counts against that window. */
        public boolean validPoint() {
            return this == LATE || this == FUTURE || this == OVERFLOW;
        }

        /** The type named by a record's headers, or null if it has none kpipe wrote. */
        public static Type of(Headers headers) {
            Header h = headers.lastHeader(ERROR_TYPE);
            if (h == null) {
                return null;
            }
            String v = new String(h.value(), StandardCharsets.UTF_8);
            for (Type t : values()) {
                if (t.header().equals(v)) {
                    return t;
                }
            }
            return null;
        }
    }

    /** What goes to the dead-letter topic: key and value (bounded) and the headers. */
    public record Letter(byte[] key, byte[] value, Headers headers) {}

    private DeadLetter() {}

    /**
     * The dead letter of an original record: its key, value and headers, bounded as the class
     * comment says, plus the reason and source coordinates.
     */
    public static Letter of(byte[] key, byte[] value, Headers original, Type type, String reason,
                            String topic, int partition, long offset) {
        Header[] originalHeaders = original == null ? new Header[0] : original.toArray();
        long headerBytes = 0;
        for (Header h : originalHeaders) {
            headerBytes += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        RecordHeaders h = new RecordHeaders(headerBytes > MAX_HEADER_BYTES ? new Header[0] : originalHeaders);
        String why = reason;
        if (headerBytes > MAX_HEADER_BYTES) {
            h.add(ORIGINAL_HEADERS_SIZE, utf8(Long.toString(headerBytes)));
            why += "; the producer's headers (" + headerBytes + " bytes) were dropped";
        }
        byte[] k = key;
        if (key != null && key.length > MAX_KEY_BYTES) {
            k = Arrays.copyOf(key, MAX_KEY_BYTES);
            h.add(ORIGINAL_KEY_SIZE, utf8(Integer.toString(key.length)));
            why += "; key of " + key.length + " bytes truncated to " + MAX_KEY_BYTES;
        }
        byte[] v = value;
        if (value != null && value.length > MAX_VALUE_BYTES) {
            v = Arrays.copyOf(value, MAX_VALUE_BYTES);
            h.add(ORIGINAL_SIZE, utf8(Integer.toString(value.length)));
            h.add(ORIGINAL_SHA256, utf8(sha256(value)));
            why += "; value of " + value.length + " bytes truncated to " + MAX_VALUE_BYTES + " (sha256 in "
                    + ORIGINAL_SHA256 + ")";
        }
        h.add(ERROR, utf8(why));
        h.add(ERROR_TYPE, utf8(type.header()));
        h.add(SOURCE_TOPIC, utf8(topic));
        h.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        h.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        return new Letter(k, v, h);
    }

    public static String text(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
