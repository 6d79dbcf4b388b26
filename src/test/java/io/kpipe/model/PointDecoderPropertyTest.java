package io.kpipe.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Properties of {@link PointDecoder} over generated input. Any input, however broken, either
 * decodes to a valid point or throws {@link MalformedPointException} with a reason: any other
 * exception fails the property. Well-formed points, in every format and spelling, decode to exactly
 * the fields they were made from. Sensor validity is judged by the JDK's strict UTF-8 coders, not
 * by the code under test. Inputs come from {@link Gen}, seeded, so a run is repeatable.
 */
class PointDecoderPropertyTest {
    private static final long RECORD_TS = 1_764_000_000_500L;
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    /** Pieces of JSON, CSV and broken text, so random input reaches deep into both parsers. */
    private static final List<String> TOKENS = List.of(
            "{", "}", "[", "]", "\"", ",", ":", "\\", "\\u", "\\ud800", "\\udc00", "\\u0000", "\\\"", "\"\"",
            "\"sensor\"", "\"ts\"", "\"value\"", "\"s-1\"", "s-1", "0", "1", "-1", "17", "2.5", "-", "+", "e", ".",
            "1e308", "1e400", "-1e400", "9223372036854775808", "-9223372036854775809", "NaN", "Infinity", "0x1p3",
            "null", "true", " ", "\t", "\r\n", "\n", "\uFEFF", "é", "€", "\uD834\uDD1E", "\u0085", "\u0000", "\u007F",
            "\u2003", "\u001F", "\u0001");

    /** Bytes a mutation favours: the ones that carry structure. */
    private static final String MUTATIONS = "{}[]\",:\\ \t\u0000\u00ff-.e";

    private final PointDecoder decoder = new PointDecoder();
    private final MutablePoint point = new MutablePoint();

    // ---- any input: a valid point or a reason, nothing else ----

    @Test
    void shouldDecodeAnyRecordToAValidPointOrAReason() {
        Gen.forAll(3000, g -> records(g).at(g.longs()), in -> {
            try {
                decoder.decode(in.key(), in.value(), in.recordTimestamp(), point);
            } catch (MalformedPointException e) {
                assertThat(e.getMessage()).isNotBlank();
                return;
            }
            assertThat(isValidSensorId(in.key())).as("key accepted as sensor id").isTrue();
            assertValidPoint();
        });
    }

    @Test
    void shouldDecodeAnyLineToAValidPointOrAReason() {
        Gen.forAll(3000, g -> new Line(values(g), g.booleans(), g.longs()), in -> {
            String sensor;
            try {
                sensor = decoder.decodeLine(in.text(), in.json(), in.recordTimestamp(), point);
            } catch (MalformedPointException e) {
                assertThat(e.getMessage()).isNotBlank();
                return;
            }
            assertThat(isValidSensorId(sensor)).as("sensor accepted: %s", escape(sensor)).isTrue();
            assertValidPoint();
        });
    }

    @Test
    void shouldAnswerWhetherAnyLineIsACsvHeaderWithoutThrowing() {
        Gen.forAll(1000, g -> new Text(values(g)), in -> PointDecoder.isCsvHeader(in.bytes()));
    }

    private void assertValidPoint() {
        assertThat(Double.isFinite(point.value())).as("finite value %s", point.value()).isTrue();
        assertThat(point.timestamp()).isNotNegative();
    }

    // ---- well-formed points decode to exactly their fields ----

    @Test
    void shouldDecodeABinaryPointToExactlyItsFields() {
        Gen.forAll(1000, g -> {
            String sensor = sensors(g);
            long ts = eventTimes(g);
            double value = finiteValues(g);
            int flags = flags(g);
            byte[] bytes = flags < 0 ? BinaryPoint.encode(ts, value) : BinaryPoint.encode(ts, value, flags);
            return new Spelled(sensor, ts, value, flags, bytes);
        }, in -> {
            decoder.decode(utf8(in.sensor()), in.text(), RECORD_TS, point);

            assertThat(point.timestamp()).isEqualTo(in.ts());
            assertThat(point.value()).isEqualTo(in.value());
            assertThat(point.flags()).isEqualTo(Math.max(in.flags(), 0));
        });
    }

    @Test
    void shouldDecodeAJsonPointInAnySpellingToExactlyItsFields() {
        Gen.forAll(1000, g -> spelled(g, PointDecoderPropertyTest::json), in -> assertDecodesToItsFields(in, true));
    }

    @Test
    void shouldDecodeACsvPointInAnySpellingToExactlyItsFields() {
        Gen.forAll(1000, g -> spelled(g, PointDecoderPropertyTest::csv), in -> assertDecodesToItsFields(in, false));
    }

    /** A point with or without a timestamp, spelled by {@code encoder}, with or without a BOM. */
    private static Spelled spelled(Gen g, Encoder encoder) {
        String sensor = sensors(g);
        long ts = eventTimes(g);
        double value = finiteValues(g);
        boolean withTs = g.booleans();
        boolean bom = g.booleans();
        byte[] text = withBom(bom, encoder.encode(sensor, withTs ? ts : null, value, g));
        return new Spelled(sensor, withTs ? ts : RECORD_TS, value, 0, text);
    }

    /** Both ways in, a line naming its sensor and a value keyed by it, give the point's fields. */
    private void assertDecodesToItsFields(Spelled in, boolean json) {
        assertThat(decoder.decodeLine(in.text(), json, RECORD_TS, point)).isEqualTo(in.sensor());
        assertThat(point.timestamp()).isEqualTo(in.ts());
        assertThat(point.value()).isEqualTo(in.value());

        decoder.decode(utf8(in.sensor()), in.text(), RECORD_TS, point.set(-1, Double.NaN, 0));
        assertThat(point.timestamp()).isEqualTo(in.ts());
        assertThat(point.value()).isEqualTo(in.value());
    }

    // ---- generators ----

    /** A sensor id as the rules allow it: 1 to 40 code points, none a control character or surrogate. */
    static String sensors(Gen g) {
        List<Integer> cps = g.listOf(1, 40, () -> g.frequencyOf(
                Gen.weight(8, () -> g.ints(0x20, 0x7E)),
                Gen.weight(2, () -> g.oneOf((int) ',', (int) '"', (int) ' ', (int) '{', (int) '\\', 0xA0, 0x2003, 0x3000, 0xFEFF, 0xFFFF)),
                Gen.weight(2, () -> g.ints(0xA0, 0xD7FF)),
                Gen.weight(1, () -> g.ints(0xE000, 0xFFFF)),
                Gen.weight(1, () -> g.ints(0x10000, 0x10FFFF))));
        return new String(cps.stream().mapToInt(Integer::intValue).toArray(), 0, cps.size());
    }

    static long eventTimes(Gen g) {
        return g.longs(0, Long.MAX_VALUE);
    }

    /** Every finite double is as likely as its bit pattern, plus the edges: subnormals, -0.0, ±MAX. */
    static double finiteValues(Gen g) {
        return g.frequencyOf(
                Gen.weight(6, () -> {
                    double d;
                    do {
                        d = Double.longBitsToDouble(g.longs());
                    } while (!Double.isFinite(d));
                    return d;
                }),
                Gen.weight(2, () -> g.doubles(-1e6, 1e6)),
                Gen.weight(1, () -> g.oneOf(0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL,
                        Double.MAX_VALUE, -Double.MAX_VALUE, 1e308, -1e-308)));
    }

    /** Quality flags, or -1 for a point written without them. */
    static int flags(Gen g) {
        return g.ints(-1, 255);
    }

    /** Half a well-formed point keyed by its sensor with a few bytes broken, half any key with any value. */
    static Input records(Gen g) {
        return g.frequencyOf(
                Gen.weight(1, () -> {
                    Sample s = wellFormed(g);
                    return new Input(utf8(s.sensor()), mutated(s.text(), g), 0);
                }),
                Gen.weight(1, () -> new Input(keys(g), values(g), 0)));
    }

    private static byte[] keys(Gen g) {
        return g.frequencyOf(
                Gen.weight(4, () -> utf8(sensors(g))),
                Gen.weight(3, () -> g.bytes(0, 8)),
                Gen.weight(2, () -> tokens(4, g)),
                Gen.weight(1, () -> g.ints(1, 10) <= 3 ? null : g.oneOf(new byte[0], new byte[256])));
    }

    /** Values and lines: random bytes, random pieces of text, and well-formed points with a few bytes broken. */
    static byte[] values(Gen g) {
        return g.frequencyOf(
                Gen.weight(2, () -> g.bytes(0, 40)),
                Gen.weight(1, () -> prefixed(BinaryPoint.MAGIC, g.bytes(16, 19))),
                Gen.weight(3, () -> tokens(20, g)),
                Gen.weight(4, () -> mutated(wellFormed(g).text(), g)));
    }

    private static byte[] tokens(int max, Gen g) {
        return utf8(String.join("", g.listOf(0, max, () -> g.oneOf(TOKENS))));
    }

    private static Sample wellFormed(Gen g) {
        String sensor = sensors(g);
        long ts = eventTimes(g);
        double value = finiteValues(g);
        byte[] text = switch (g.ints(0, 3)) {
            case 0 -> json(sensor, g.booleans() ? ts : null, value, g);
            case 1 -> csv(sensor, g.booleans() ? ts : null, value, g);
            case 2 -> BinaryPoint.encode(ts, value);
            default -> withBom(true, g.booleans() ? json(sensor, ts, value, g) : csv(sensor, ts, value, g));
        };
        return new Sample(sensor, text);
    }

    /** {@code text} unchanged or with up to three bytes replaced, removed or inserted. */
    private static byte[] mutated(byte[] text, Gen g) {
        byte[] b = text;
        int edits = g.ints(0, 3);
        for (int i = 0; i < edits && b.length > 0; i++) {
            int at = g.ints(0, b.length - 1);
            byte x = (byte) (g.booleans() ? g.ints(0, 255) : MUTATIONS.charAt(g.ints(0, MUTATIONS.length() - 1)));
            b = switch (g.ints(0, 2)) {
                case 0 -> replace(b, at, x);
                case 1 -> remove(b, at);
                default -> insert(b, at, x);
            };
        }
        return b;
    }

    // ---- encoders of well-formed points, with the spellings each format allows ----

    /** A JSON object of the point: fields in any order, blanks, \\u escapes, an unrelated field, ts absent or null. */
    private static byte[] json(String sensor, Long ts, double value, Gen g) {
        String sensorField = "\"sensor\"" + blank(g) + ":" + blank(g) + jsonString(sensor, g);
        String valueField = "\"value\"" + blank(g) + ":" + blank(g) + value;
        String tsField = ts == null ? (g.booleans() ? null : "\"ts\":null") : "\"ts\":" + ts;
        String extra = g.booleans() ? null : "\"tags\":{\"a\":[1,\"x\",{\"b\":null}],\"sensor2\":\"" + g.ints(Integer.MIN_VALUE, Integer.MAX_VALUE) + "\"}";
        List<String> fields = new ArrayList<>(Arrays.asList(sensorField, valueField, tsField, extra));
        fields.removeIf(f -> f == null);
        g.shuffle(fields);
        return utf8(blank(g) + "{" + blank(g) + String.join("," + blank(g), fields) + blank(g) + "}" + blank(g));
    }

    /** A JSON string literal of {@code s}, each code point written plainly or \\u-escaped (as a surrogate pair) at random. */
    private static String jsonString(String s, Gen g) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp == '"' || cp == '\\' || g.ints(0, 3) == 0) {
                for (char c : Character.toChars(cp)) {
                    b.append(String.format(g.booleans() ? "\\u%04x" : "\\u%04X", (int) c));
                }
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.append('"').toString();
    }

    /** A CSV line of the point: blanks around fields, quoting, an empty ts if none, CRLF or no line end. */
    private static byte[] csv(String sensor, Long ts, double value, Gen g) {
        String tsText = ts == null ? "" : String.valueOf(ts);
        return utf8(blank(g) + csvField(sensor, g) + blank(g) + "," + blank(g) + csvField(tsText, g) + blank(g) + ","
                + blank(g) + csvField(String.valueOf(value), g) + blank(g) + (g.booleans() ? "\r\n" : ""));
    }

    /**
     * The field quoted where it must be, else at random: commas, quotes, blanks at an end; a leading
     * '{' (the line would be taken for JSON) or U+FEFF (for a byte order mark, at the line's start).
     */
    private static String csvField(String s, Gen g) {
        boolean mustQuote = s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.startsWith("{") || s.startsWith("\uFEFF") || (!s.isEmpty()
                && (Character.isWhitespace(s.charAt(0)) || Character.isWhitespace(s.charAt(s.length() - 1))));
        return mustQuote || g.ints(0, 2) == 0 ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static String blank(Gen g) {
        return switch (g.ints(0, 5)) {
            case 0 -> " ";
            case 1 -> "\t";
            case 2 -> "  ";
            default -> "";
        };
    }

    /** Spells a point in one text format; {@code ts} null means the point carries none. */
    @FunctionalInterface
    interface Encoder {
        byte[] encode(String sensor, Long ts, double value, Gen g);
    }

    // ---- the oracle: the JDK's strict coders, and the control character ranges spelled out ----

    private static boolean isValidSensorId(byte[] key) {
        if (key == null || key.length == 0 || key.length > PointDecoder.MAX_SENSOR_BYTES) {
            return false;
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
            return s.codePoints().noneMatch(PointDecoderPropertyTest::isControl);
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean isValidSensorId(String sensor) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(sensor));
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return isValidSensorId(bytes);
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean isControl(int cp) {
        return cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F);
    }

    // ---- helpers ----

    /** A record on {@code points}, received at {@code recordTimestamp}; printed readably when a property fails. */
    record Input(byte[] key, byte[] value, long recordTimestamp) {
        Input at(long timestamp) {
            return new Input(key, value, timestamp);
        }

        @Override
        public String toString() {
            return "key=" + hex(key) + " value=" + hex(value) + " recordTimestamp=" + recordTimestamp;
        }
    }

    /** A line for {@link PointDecoder#decodeLine}, read as JSON or CSV. */
    record Line(byte[] text, boolean json, long recordTimestamp) {
        @Override
        public String toString() {
            return "line=" + hex(text) + " json=" + json + " recordTimestamp=" + recordTimestamp;
        }
    }

    /** Any bytes, as a line. */
    record Text(byte[] bytes) {
        @Override
        public String toString() {
            return "line=" + hex(bytes);
        }
    }

    /** The fields of a well-formed point and its text: {@code ts} is the one it must decode to. */
    record Spelled(String sensor, long ts, double value, int flags, byte[] text) {
        @Override
        public String toString() {
            return "sensor=" + escape(sensor) + " ts=" + ts + " value=" + value + " (bits 0x"
                    + Long.toHexString(Double.doubleToRawLongBits(value)) + ") flags=" + flags + " text=" + hex(text);
        }
    }

    record Sample(String sensor, byte[] text) {}

    private static String hex(byte[] b) {
        if (b == null) {
            return "null";
        }
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(x >= 0x20 && x < 0x7F ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xFF));
        }
        return s.toString();
    }

    private static String escape(String s) {
        return hex(s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] withBom(boolean bom, byte[] text) {
        return bom ? prefixed(BOM, text) : text;
    }

    private static byte[] prefixed(byte first, byte[] rest) {
        return prefixed(new byte[] {first}, rest);
    }

    private static byte[] prefixed(byte[] head, byte[] rest) {
        byte[] b = Arrays.copyOf(head, head.length + rest.length);
        System.arraycopy(rest, 0, b, head.length, rest.length);
        return b;
    }

    private static byte[] replace(byte[] b, int at, byte x) {
        byte[] c = b.clone();
        c[at] = x;
        return c;
    }

    private static byte[] remove(byte[] b, int at) {
        byte[] c = new byte[b.length - 1];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(b, at + 1, c, at, b.length - at - 1);
        return c;
    }

    private static byte[] insert(byte[] b, int at, byte x) {
        byte[] c = new byte[b.length + 1];
        System.arraycopy(b, 0, c, 0, at);
        c[at] = x;
        System.arraycopy(b, at, c, at + 1, b.length - at);
        return c;
    }
}
