package io.kpipe.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
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
 * <p>A sensor id (key, or the sensor a line names) is 1 to {@value #MAX_SENSOR_BYTES} bytes of
 * well-formed UTF-8 without control characters (C0, DEL, C1): anything else would collide with
 * other ids once decoded leniently, or be refused by a sink later. JSON and CSV text must be
 * well-formed UTF-8, may start with a UTF-8 byte order mark (skipped), and CSV fields may be quoted
 * as RFC 4180 says. JSON nested deeper than {@value #MAX_JSON_DEPTH}, or past Jackson's other
 * {@link StreamReadConstraints}, is malformed.
 *
 * <p>Usage: {@code decoder.decode(key, value, recordTimestamp, point)}; one decoder per thread.
 */
public final class PointDecoder {
    /** Longest sensor id accepted, in UTF-8 bytes. */
    public static final int MAX_SENSOR_BYTES = 255;

    /** Deepest JSON nesting accepted, the point's own object included: a point needs 1. */
    public static final int MAX_JSON_DEPTH = 64;

    // Stated rather than inherited, so that a Jackson upgrade cannot loosen what a record may cost to
    // skip; the other limits (numbers 1000 digits, names 50,000 chars) are Jackson's defaults.
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build())
            .build();

    public MutablePoint decode(byte[] key, byte[] value, long recordTimestamp, MutablePoint out) {
        if (key == null || key.length == 0) {
            throw new MalformedPointException("missing key: points must be keyed by sensor id");
        }
        if (key.length > MAX_SENSOR_BYTES) {
            throw new MalformedPointException(
                    "key is " + key.length + " bytes, longer than the " + MAX_SENSOR_BYTES + " allowed for a sensor id");
        }
        checkKey(key);
        if (value == null || value.length == 0) {
            throw new MalformedPointException("empty value");
        }
        if (value[0] == BinaryPoint.MAGIC) {
            BinaryPoint.decode(value, out);
        } else {
            checkSensor(decodeText(value, recordTimestamp, out), key);
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
        int from = Utf8.bomLength(line);
        if (line.length == from) {
            throw new MalformedPointException("empty line");
        }
        String sensor = json ? decodeJson(line, from, recordTimestamp, out) : decodeCsv(line, from, recordTimestamp, out);
        checkSensorText(sensor);
        int bytes = sensor.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SENSOR_BYTES) {
            throw new MalformedPointException(
                    "sensor is " + bytes + " bytes, longer than the " + MAX_SENSOR_BYTES + " allowed");
        }
        checkContent(out);
        return sensor;
    }

    /**
     * The optional header of a CSV file or body, {@code sensor,ts,value}: any case, blanks around,
     * fields possibly quoted, possibly behind a byte order mark.
     */
    public static boolean isCsvHeader(byte[] line) {
        int from = Utf8.bomLength(line);
        String[] fields;
        try {
            fields = CsvLine.split(new String(line, from, line.length - from, StandardCharsets.UTF_8));
        } catch (MalformedPointException notCsv) {
            return false;
        }
        for (int i = 0; i < fields.length; i++) {
            if (!fields[i].equalsIgnoreCase(CsvLine.NAMES[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a line of text is JSON rather than CSV, by the rule {@link #decode} applies to a
     * value: its first byte after an optional byte order mark and blanks is {@code '{'}.
     */
    public static boolean isJsonLine(byte[] line) {
        return firstNonBlank(line, Utf8.bomLength(line)) == '{';
    }

    /**
     * Checks a record key as a sensor id. Keys are short ASCII in practice, so the common case is
     * one comparison per byte and no allocation; only a key with a non-ASCII byte (negative as a
     * Java byte, hence below 0x20 too) or a control character takes the exact check.
     */
    private static void checkKey(byte[] key) {
        for (byte b : key) {
            if (b < 0x20 || b == 0x7F) {
                int at = Utf8.firstProblem(key, 0, key.length, Utf8.Controls.NONE);
                if (at >= 0) {
                    throw new MalformedPointException(textProblem("key", key, at));
                }
                return;
            }
        }
    }

    /** Reason for the problem {@link Utf8#firstProblem} found at {@code b[at]}. */
    private static String textProblem(String what, byte[] b, int at) {
        int control = Utf8.controlAt(b, at, b.length);
        return control < 0 ? what + " is not valid UTF-8 at byte " + at
                : String.format("%s contains control character U+%04X at byte %d", what, control, at);
    }

    /** A sensor id from JSON or CSV: not empty, no control characters, no lone surrogates (JSON escapes can make one). */
    private static void checkSensorText(String sensor) {
        if (sensor.isEmpty()) {
            throw new MalformedPointException("sensor is empty");
        }
        for (int i = 0; i < sensor.length(); i++) {
            char c = sensor.charAt(i);
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
                throw new MalformedPointException(
                        String.format("sensor contains control character U+%04X at index %d", (int) c, i));
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < sensor.length() && Character.isLowSurrogate(sensor.charAt(i + 1))) {
                    i++;
                } else {
                    throw new MalformedPointException(
                            String.format("sensor contains a lone surrogate U+%04X at index %d", (int) c, i));
                }
            }
        }
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

    /** A JSON or CSV value, after an optional byte order mark; returns the sensor it names. */
    private static String decodeText(byte[] value, long recordTimestamp, MutablePoint out) {
        int from = Utf8.bomLength(value);
        if (value.length == from) {
            throw new MalformedPointException("empty value");
        }
        if (isJsonLine(value)) {
            return decodeJson(value, from, recordTimestamp, out);
        }
        if (indexOf(value, from, (byte) ',') >= 0) {
            return decodeCsv(value, from, recordTimestamp, out);
        }
        throw new MalformedPointException(String.format(
                "unrecognised format: first byte 0x%02x%s is neither binary (0x01), JSON ('{') nor CSV (no comma)",
                value[from] & 0xFF, from > 0 ? " after the UTF-8 BOM" : ""));
    }

    private static String decodeJson(byte[] value, int from, long recordTimestamp, MutablePoint out) {
        // Jackson takes overlong and surrogate sequences, and reads text with NUL bytes as UTF-16 or
        // UTF-32: JSON allows neither raw control characters nor other encodings, so refuse both first.
        int bad = Utf8.firstProblem(value, from, value.length, Utf8.Controls.JSON_WHITESPACE);
        if (bad >= 0) {
            throw new MalformedPointException(textProblem("JSON", value, bad));
        }
        String sensor = null;
        long ts = recordTimestamp;
        double v = 0;
        boolean hasValue = false;
        try (JsonParser p = JSON.createParser(value, from, value.length - from)) {
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

    private static String decodeCsv(byte[] value, int from, long recordTimestamp, MutablePoint out) {
        // Checked on the bytes: decoding to a String would turn each bad byte into U+FFFD silently.
        int bad = Utf8.firstProblem(value, from, value.length, Utf8.Controls.ALL);
        if (bad >= 0) {
            throw new MalformedPointException("CSV is not valid UTF-8 at byte " + bad);
        }
        String[] fields = CsvLine.split(new String(value, from, value.length - from, StandardCharsets.UTF_8));
        String sensor = fields[0];
        String tsText = fields[1];
        String valueText = fields[2];
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
        // Before the comparison: a lone surrogate encodes as '?', which a key "?" would match.
        checkSensorText(sensor);
        if (!Arrays.equals(sensor.getBytes(StandardCharsets.UTF_8), key)) {
            throw new MalformedPointException("sensor '" + clip(sensor) + "' does not match the record key '"
                    + clip(new String(key, StandardCharsets.UTF_8)) + "'");
        }
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static byte firstNonBlank(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (!isBlank(b[i])) {
                return b[i];
            }
        }
        return 0;
    }

    private static int indexOf(byte[] b, int from, byte x) {
        for (int i = from; i < b.length; i++) {
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
