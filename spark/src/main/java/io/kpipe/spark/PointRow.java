package io.kpipe.spark;

import java.io.Serializable;
import java.sql.Timestamp;
import java.util.List;

/**
 * One record of {@code points} after decoding, on its way to the windows: a valid point (its
 * sensor, event time and value), or a dead letter already written out (key, bytes and headers of
 * the record that goes to {@code points-dlq}). A valid point keeps its original record too, so
 * that the window step can dead-letter it as late or overflow with the original bytes.
 *
 * <p>{@code clock} is what the watermark follows: the event time, bounded by the record timestamp
 * and the processor's clock (kpipe's stream-time rule); the epoch for a dead letter, which must
 * not move it.
 */
public final class PointRow implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Group of a dead letter written at decoding: no sensor id starts with a control character. */
    static final String DEAD_LETTER_GROUP_PREFIX = "\u0000";

    private String group;
    private boolean deadLetter;
    private long eventTime;
    private double value;
    private Timestamp clock;
    private long recordTimestamp;
    private int partition;
    private long offset;
    private byte[] key;
    private byte[] raw;
    private List<HeaderRow> headers;

    public PointRow() {}

    public String getGroup() {
        return group;
    }

    public void setGroup(String group) {
        this.group = group;
    }

    public boolean isDeadLetter() {
        return deadLetter;
    }

    public void setDeadLetter(boolean deadLetter) {
        this.deadLetter = deadLetter;
    }

    public long getEventTime() {
        return eventTime;
    }

    public void setEventTime(long eventTime) {
        this.eventTime = eventTime;
    }

    public double getValue() {
        return value;
    }

    public void setValue(double value) {
        this.value = value;
    }

    public Timestamp getClock() {
        return clock;
    }

    public void setClock(Timestamp clock) {
        this.clock = clock;
    }

    public long getRecordTimestamp() {
        return recordTimestamp;
    }

    public void setRecordTimestamp(long recordTimestamp) {
        this.recordTimestamp = recordTimestamp;
    }

    public int getPartition() {
        return partition;
    }

    public void setPartition(int partition) {
        this.partition = partition;
    }

    public long getOffset() {
        return offset;
    }

    public void setOffset(long offset) {
        this.offset = offset;
    }

    public byte[] getKey() {
        return key;
    }

    public void setKey(byte[] key) {
        this.key = key;
    }

    public byte[] getRaw() {
        return raw;
    }

    public void setRaw(byte[] raw) {
        this.raw = raw;
    }

    public List<HeaderRow> getHeaders() {
        return headers;
    }

    public void setHeaders(List<HeaderRow> headers) {
        this.headers = headers;
    }
}
