package io.kpipe.spark;

import java.io.Serializable;
import java.util.List;

/** One record for Spark's Kafka sink: {@code topic}, {@code key}, {@code value}, {@code headers}. */
public final class OutRow implements Serializable {
    private static final long serialVersionUID = 1L;
    private String topic;
    private byte[] key;
    private byte[] value;
    private List<HeaderRow> headers;

    public OutRow() {}

    public OutRow(String topic, byte[] key, byte[] value, List<HeaderRow> headers) {
        this.topic = topic;
        this.key = key;
        this.value = value;
        this.headers = headers;
    }

    public String getTopic() {
        return topic;
    }

    public void setTopic(String topic) {
        this.topic = topic;
    }

    public byte[] getKey() {
        return key;
    }

    public void setKey(byte[] key) {
        this.key = key;
    }

    public byte[] getValue() {
        return value;
    }

    public void setValue(byte[] value) {
        this.value = value;
    }

    public List<HeaderRow> getHeaders() {
        return headers;
    }

    public void setHeaders(List<HeaderRow> headers) {
        this.headers = headers;
    }
}
