package io.kpipe.model;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Headers of a record on {@code points-dlq}. The record keeps the original key and bytes; these
 * headers say why it is there and where it came from, so it can be fixed and replayed.
 */
public final class DeadLetter {
    /** Human-readable reason, e.g. {@code JSON field 'value' is missing}. */
    public static final String ERROR = "error";
    /** {@link Type#header()}: {@code invalid} or {@code late}. */
    public static final String ERROR_TYPE = "error.type";
    public static final String SOURCE_TOPIC = "source.topic";
    public static final String SOURCE_PARTITION = "source.partition";
    public static final String SOURCE_OFFSET = "source.offset";

    /** Why a point is in the dead-letter topic. */
    public enum Type {
        /** Not a valid point in any format; never aggregated. */
        INVALID,
        /** Valid, but its window had closed (event time older than stream time minus grace). */
        LATE;

        public String header() {
            return name().toLowerCase(java.util.Locale.ROOT);
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

    private DeadLetter() {}

    /** The original headers plus the reason and source coordinates. */
    public static Headers headers(Headers original, Type type, String reason, String topic, int partition, long offset) {
        RecordHeaders h = new RecordHeaders(original == null ? new Header[0] : original.toArray());
        h.add(ERROR, utf8(reason));
        h.add(ERROR_TYPE, utf8(type.header()));
        h.add(SOURCE_TOPIC, utf8(topic));
        h.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        h.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        return h;
    }

    public static String text(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
