package io.kpipe.spark;

import io.kpipe.model.DeadLetter;
import io.kpipe.model.MalformedPointException;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * kpipe's per-record rules, as its Kafka Streams processor applies them (process/PointAggregator),
 * for one record at a time: decode (kpipe's own {@link PointDecoder}), then the future rule; the
 * window rules (late, overflow) are {@link WindowStep}'s. The reasons are the same text.
 *
 * <p>One instance per task (the decoder is not thread-safe); {@link #decode} returns a new row.
 */
final class Rules {
    private final PointDecoder decoder = new PointDecoder();
    private final MutablePoint point = new MutablePoint();
    private final long maxFutureMs;
    private final String deadLetters;

    Rules(long maxFutureMs, String deadLetters) {
        this.maxFutureMs = maxFutureMs;
        this.deadLetters = deadLetters;
    }

    /**
     * The record {@code topic/partition@offset} as a row for the window step: a point, or a dead
     * letter (invalid, future) ready to write. {@code now} is the processor's clock.
     */
    PointRow decode(byte[] key, byte[] value, long recordTimestamp, List<HeaderRow> headers, String topic,
                    int partition, long offset, long now) {
        // A record without a timestamp counts as stamped on arrival (kpipe's MissingTimestampAsArrival).
        long stamp = recordTimestamp >= 0 ? recordTimestamp : now;
        PointRow row = new PointRow();
        row.setPartition(partition);
        row.setOffset(offset);
        row.setRecordTimestamp(stamp);
        try {
            decoder.decode(key, value, stamp, point);
        } catch (MalformedPointException e) {
            return deadLetter(row, key, value, headers, DeadLetter.Type.INVALID, e.getMessage(), topic);
        }
        long eventTime = point.timestamp();
        long reference = Math.min(stamp, now);
        if (eventTime - reference > maxFutureMs) {
            return deadLetter(row, key, value, headers, DeadLetter.Type.FUTURE, futureReason(eventTime, stamp, now),
                    topic);
        }
        row.setGroup(new String(key, StandardCharsets.UTF_8));
        row.setEventTime(eventTime);
        row.setValue(point.value());
        row.setClock(new Timestamp(Math.min(eventTime, reference)));
        row.setKey(key);
        row.setRaw(value);
        row.setHeaders(headers);
        return row;
    }

    private PointRow deadLetter(PointRow row, byte[] key, byte[] value, List<HeaderRow> headers, DeadLetter.Type type,
                                String reason, String topic) {
        DeadLetter.Letter letter = letter(key, value, headers, type, reason, topic, row.getPartition(), row.getOffset());
        row.setGroup(PointRow.DEAD_LETTER_GROUP_PREFIX + row.getPartition());
        row.setDeadLetter(true);
        row.setClock(new Timestamp(0));
        row.setKey(letter.key());
        row.setRaw(letter.value());
        row.setHeaders(rows(letter.headers().toArray()));
        return row;
    }

    static DeadLetter.Letter letter(byte[] key, byte[] value, List<HeaderRow> headers, DeadLetter.Type type,
                                    String reason, String topic, int partition, long offset) {
        RecordHeaders original = new RecordHeaders();
        if (headers != null) {
            for (HeaderRow h : headers) {
                original.add(h.getKey(), h.getValue());
            }
        }
        return DeadLetter.of(key, value, original, type, reason, topic, partition, offset);
    }

    static List<HeaderRow> rows(Header[] headers) {
        List<HeaderRow> out = new ArrayList<>(headers.length);
        for (Header h : headers) {
            out.add(new HeaderRow(h.key(), h.value()));
        }
        return out;
    }

    /** The dead letter to write for a dead-letter row. */
    OutRow out(PointRow deadLetter) {
        return new OutRow(deadLetters, deadLetter.getKey(), deadLetter.getRaw(), deadLetter.getHeaders());
    }

    private String futureReason(long eventTime, long recordTimestamp, long now) {
        String allowed = "; at most " + maxFutureMs + " ms allowed";
        if (recordTimestamp <= now) {
            return "future: event time " + eventTime + " is " + (eventTime - recordTimestamp)
                    + " ms ahead of the record timestamp" + allowed;
        }
        return "future: event time " + eventTime + " is " + (eventTime - now) + " ms ahead of this processor's clock "
                + "(the record timestamp is " + (recordTimestamp - now) + " ms ahead of it too)" + allowed;
    }
}
