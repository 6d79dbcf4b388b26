package io.kpipe.model;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Fixed-size binary serde of {@link Aggregate} for the window store and its changelog. */
public final class AggregateSerde implements Serde<Aggregate>, Serializer<Aggregate>, Deserializer<Aggregate> {
    @Override
    public byte[] serialize(String topic, Aggregate data) {
        if (data == null) {
            return null;
        }
        byte[] out = new byte[Aggregate.BYTES];
        data.writeTo(ByteBuffer.wrap(out));
        return out;
    }

    @Override
    public Aggregate deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length != Aggregate.BYTES) {
            throw new SerializationException(
                    "aggregate must be " + Aggregate.BYTES + " bytes, got " + data.length);
        }
        return Aggregate.readFrom(ByteBuffer.wrap(data));
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {}

    @Override
    public void close() {}

    @Override
    public Serializer<Aggregate> serializer() {
        return this;
    }

    @Override
    public Deserializer<Aggregate> deserializer() {
        return this;
    }
}
