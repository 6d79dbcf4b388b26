package io.kpipe.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes a record of {@code points} in any of its three wire formats, told apart by the first
 * byte: {@link BinaryPoint#MAGIC} is binary, {@code '{'} is JSON, anything else with a comma is CSV.
 *
 * <pre>
 *   binary  0x01 | ts int64 | value float64 [| flags uint8]
 *   JSON    {"sensor":"s-42","ts":1764000000000,"value":21.5}    ts optional
 *   CSV     s-42,1764000000000,21.5                               ts may be empty
 * </pre>
 *
 * A JSON or CSV point names its sensor, and it must be the record key: points are partitioned and
 * aggregated by key, so a point keyed otherwise would be counted under the wrong sensor. Where the
 * event time is left out, the record timestamp stands in. Anything else throws
 * {@link MalformedPointException} with the reason. The binary path allocates nothing.
 *
 * <p>Usage: {@code decoder.decode(key, value, recordTimestamp, point)}; one decoder per thread.
 */
public final class PointDecoder {
    /** Longest sensor id accepted, in UTF-8 bytes. */
    public static final int MAX_SENSOR_BYTES = 255;

    private static final JsonFactory JSON = JsonFactory.builder().build();

    public MutablePoint decode(byte[] key, byte[] value, long recordTimestamp, MutablePoint out) {
        if (key == null || key.length == 0) {
            throw new MalformedPointException("missing key: points must be keyed by sensor id");
        }
        if (key.length > MAX_SENSOR_BYTES) {
            throw new MalformedPointException(
                    "key is " + key.length + " bytes, longer than the " + MAX_SENSOR_BYTES + " allowed for a sensor id");
        }
        if (value == null || value.length == 0) {
            throw new MalformedPointException("empty value");
        }
        byte first = value[0];
        if (first == BinaryPoint.MAGIC) {
            BinaryPoint.decode(value, out);
        } else if (first == '{' || (isBlank(first) && firstNonBlank(value) == '{')) {
            checkSensor(decodeJson(value, recordTimestamp, out), key);
        } else if (indexOf(value, (byte) ',') >= 0) {
            checkSensor(decodeCsv(value, recordTimestamp, out), key);
        } else {
            throw new MalformedPointException(String.format(
                    "unrecognised format: first byte 0x%02x is neither binary (0x01), JSON ('{') nor CSV (no comma)",
                    first & 0xFF));
        }
        checkContent(out);
        return out;
    }

    /**
     * Decodes one line of text that names its own sensor (HTTP ingest, file replay): JSON if
     * {@code json}, else CSV. Returns the sensor id; the point goes to {@code out}. Throws
     * {@link MalformedPointException} with the reason, as {@link #decode} does.
     */
    public String decodeLine(byte[] line, boolean json, long recordTimestamp, MutablePoint out) {
        if (line.length == 0) {
            throw new MalformedPointException("empty line");
        }
        String sensor = json ? decodeJson(line, recordTimestamp, out) : decodeCsv(line, recordTimestamp, out);
        if (sensor.isEmpty()) {
            throw new MalformedPointException("sensor is empty");
        }
        int bytes = sensor.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SENSOR_BYTES) {
            throw new MalformedPointException(
                    "sensor is " + bytes + " bytes, longer than the " + MAX_SENSOR_BYTES + " allowed");
        }
        checkContent(out);
        return sensor;
    }

    /** The optional header of a CSV file or body, {@code sensor,ts,value} (any case, blanks around). */
    public static boolean isCsvHeader(byte[] line) {
        return new String(line, StandardCharsets.UTF_8).strip().equalsIgnoreCase("sensor,ts,value");
    }

    private static void checkContent(MutablePoint p) {
        if (Double.isNaN(p.value)) {
            throw new MalformedPointException("value is NaN");
        }
        if (Double.isInfinite(p.value)) {
            throw new MalformedPointException("value is infinite");
        }
        if (p.timestamp < 0) {
            throw new MalformedPointException("event time is negative: " + p.timestamp);
        }
    }

    private static String decodeJson(byte[] value, long recordTimestamp, MutablePoint out) {
        String sensor = null;
        long ts = recordTimestamp;
        double v = 0;
        boolean hasValue = false;
        try (JsonParser p = JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedPointException("malformed JSON: expected an object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken vt = p.nextToken();
                switch (field) {
                    case "sensor" -> {
                        if (vt != JsonToken.VALUE_STRING) {
                            throw new MalformedPointException("JSON field 'sensor' must be a string");
                        }
                        sensor = p.getText();
                    }
                    case "ts" -> {
                        if (vt == JsonToken.VALUE_NUMBER_INT) {
                            ts = p.getLongValue();
                        } else if (vt != JsonToken.VALUE_NULL) {
                            throw new MalformedPointException("JSON field 'ts' must be an integer (epoch ms)");
                        }
                    }
                    case "value" -> {
                        if (vt != JsonToken.VALUE_NUMBER_INT && vt != JsonToken.VALUE_NUMBER_FLOAT) {
                            throw new MalformedPointException("JSON field 'value' must be a number");
                        }
                        v = p.getDoubleValue();
                        hasValue = true;
                    }
                    default -> p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new MalformedPointException("malformed JSON: expected one object");
            }
        } catch (JsonProcessingException e) {
            throw new MalformedPointException("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedPointException("malformed JSON: " + e.getMessage());
        }
        if (sensor == null) {
            throw new MalformedPointException("JSON field 'sensor' is missing");
        }
        if (!hasValue) {
            throw new MalformedPointException("JSON field 'value' is missing");
        }
        out.set(ts, v, 0);
        return sensor;
    }

    private static String decodeCsv(byte[] value, long recordTimestamp, MutablePoint out) {
        String line = new String(value, StandardCharsets.UTF_8).strip();
        int c1 = line.indexOf(',');
        int c2 = c1 < 0 ? -1 : line.indexOf(',', c1 + 1);
        if (c2 < 0 || line.indexOf(',', c2 + 1) >= 0) {
            int fields = (int) line.chars().filter(ch -> ch == ',').count() + 1;
            throw new MalformedPointException("CSV must have 3 fields (sensor,ts,value), got " + fields);
        }
        String sensor = line.substring(0, c1).strip();
        String tsText = line.substring(c1 + 1, c2).strip();
        String valueText = line.substring(c2 + 1).strip();
        long ts = recordTimestamp;
        if (!tsText.isEmpty()) {
            try {
                ts = Long.parseLong(tsText);
            } catch (NumberFormatException e) {
                throw new MalformedPointException("CSV field 'ts' is not an integer: '" + clip(tsText) + "'");
            }
        }
        double v;
        try {
            v = Double.parseDouble(valueText);
        } catch (NumberFormatException e) {
            throw new MalformedPointException("CSV field 'value' is not a number: '" + clip(valueText) + "'");
        }
        out.set(ts, v, 0);
        return sensor;
    }

    private static void checkSensor(String sensor, byte[] key) {
        if (sensor.isEmpty()) {
            throw new MalformedPointException("sensor is empty");
        }
        if (!Arrays.equals(sensor.getBytes(StandardCharsets.UTF_8), key)) {
            throw new MalformedPointException("sensor '" + clip(sensor) + "' does not match the record key '"
                    + clip(new String(key, StandardCharsets.UTF_8)) + "'");
        }
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static byte firstNonBlank(byte[] b) {
        for (byte x : b) {
            if (!isBlank(x)) {
                return x;
            }
        }
        return 0;
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
