package io.kpipe.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** JSON serde of {@link WindowResult}; used per window update, thousands of times rarer than points. */
public final class WindowResultSerde implements Serde<WindowResult>, Serializer<WindowResult>, Deserializer<WindowResult> {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectWriter WRITER = MAPPER.writerFor(WindowResult.class);
    private static final ObjectReader READER = MAPPER.readerFor(WindowResult.class);

    @Override
    public byte[] serialize(String topic, WindowResult data) {
        if (data == null) {
            return null;
        }
        try {
            return WRITER.writeValueAsBytes(data);
        } catch (IOException e) {
            throw new SerializationException("cannot write window result " + data, e);
        }
    }

    @Override
    public WindowResult deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            return READER.readValue(data);
        } catch (IOException e) {
            throw new SerializationException("not a window result: " + e.getMessage(), e);
        }
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {}

    @Override
    public void close() {}

    @Override
    public Serializer<WindowResult> serializer() {
        return this;
    }

    @Override
    public Deserializer<WindowResult> deserializer() {
        return this;
    }
}
