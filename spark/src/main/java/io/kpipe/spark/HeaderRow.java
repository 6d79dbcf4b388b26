package io.kpipe.spark;

import java.io.Serializable;

/** A Kafka record header as Spark's Kafka source and sink see it: {@code struct<key: string, value: binary>}. */
public final class HeaderRow implements Serializable {
    private static final long serialVersionUID = 1L;
    private String key;
    private byte[] value;

    public HeaderRow() {}

    public HeaderRow(String key, byte[] value) {
        this.key = key;
        this.value = value;
    }

    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }

    public byte[] getValue() {
        return value;
    }

    public void setValue(byte[] value) {
        this.value = value;
    }
}
