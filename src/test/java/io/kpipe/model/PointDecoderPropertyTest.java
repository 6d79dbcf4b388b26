package io.kpipe.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Properties of {@link PointDecoder} over generated input. Any input, however broken, either
 * decodes to a valid point or throws {@link MalformedPointException} with a reason: any other
 * exception fails the property. Well-formed points, in every format and spelling, decode to exactly
 * the fields they were made from. Sensor validity is judged by the JDK's strict UTF-8 coders, not
 * by the code under test.
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

    @Property(tries = 3000)
    void decodeYieldsAValidPointOrAReason(@ForAll("records") Input in, @ForAll long recordTimestamp) {
        try {
            decoder.decode(in.key(), in.value(), recordTimestamp, point);
        } catch (MalformedPointException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(isValidSensorId(in.key())).as("key accepted as sensor id").isTrue();
        assertValidPoint();
    }

    @Property(tries = 3000)
    void decodeLineYieldsAValidPointOrAReason(@ForAll("values") byte[] line, @ForAll boolean json, @ForAll long recordTimestamp) {
        String sensor;
        try {
            sensor = decoder.decodeLine(line, json, recordTimestamp, point);
        } catch (MalformedPointException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(isValidSensorId(sensor)).as("sensor accepted: %s", escape(sensor)).isTrue();
        assertValidPoint();
    }

    @Property(tries = 1000)
    void isCsvHeaderAnswersAnyLine(@ForAll("values") byte[] line) {
        PointDecoder.isCsvHeader(line);
    }

    private void assertValidPoint() {
        assertThat(Double.isFinite(point.value())).as("finite value %s", point.value()).isTrue();
        assertThat(point.timestamp()).isNotNegative();
    }

    // ---- well-formed points decode to exactly their fields ----

    @Property(tries = 1000)
    void binaryPointDecodesToItsFields(@ForAll("sensors") String sensor, @ForAll("eventTimes") long ts,
                                       @ForAll("finiteValues") double value, @ForAll("flags") int flags) {
        byte[] bytes = flags < 0 ? BinaryPoint.encode(ts, value) : BinaryPoint.encode(ts, value, flags);

        decoder.decode(utf8(sensor), bytes, RECORD_TS, point);

        assertThat(point.timestamp()).isEqualTo(ts);
        assertThat(point.value()).isEqualTo(value);
        assertThat(point.flags()).isEqualTo(Math.max(flags, 0));
    }

    @Property(tries = 1000)
    void jsonPointDecodesToItsFields(@ForAll("sensors") String sensor, @ForAll("eventTimes") long ts,
                                     @ForAll("finiteValues") double value, @ForAll boolean withTs,
                                     @ForAll boolean bom, @ForAll long seed) {
        byte[] text = withBom(bom, json(sensor, withTs ? ts : null, value, new Random(seed)));
        long expectedTs = withTs ? ts : RECORD_TS;

        assertThat(decoder.decodeLine(text, true, RECORD_TS, point)).isEqualTo(sensor);
        assertThat(point.timestamp()).isEqualTo(expectedTs);
        assertThat(point.value()).isEqualTo(value);

        decoder.decode(utf8(sensor), text, RECORD_TS, point.set(-1, Double.NaN, 0));
        assertThat(point.timestamp()).isEqualTo(expectedTs);
        assertThat(point.value()).isEqualTo(value);
    }

    @Property(tries = 1000)
    void csvPointDecodesToItsFields(@ForAll("sensors") String sensor, @ForAll("eventTimes") long ts,
                                    @ForAll("finiteValues") double value, @ForAll boolean withTs,
                                    @ForAll boolean bom, @ForAll long seed) {
        byte[] text = withBom(bom, csv(sensor, withTs ? ts : null, value, new Random(seed)));
        long expectedTs = withTs ? ts : RECORD_TS;

        assertThat(decoder.decodeLine(text, false, RECORD_TS, point)).isEqualTo(sensor);
        assertThat(point.timestamp()).isEqualTo(expectedTs);
        assertThat(point.value()).isEqualTo(value);

        decoder.decode(utf8(sensor), text, RECORD_TS, point.set(-1, Double.NaN, 0));
        assertThat(point.timestamp()).isEqualTo(expectedTs);
        assertThat(point.value()).isEqualTo(value);
    }

    // ---- generators ----

    /** A sensor id as the rules allow it: 1 to 40 code points, none a control character or surrogate. */
    @Provide
    Arbitrary<String> sensors() {
        Arbitrary<Integer> codePoints = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.integers().between(0x20, 0x7E)),
                Tuple.of(2, Arbitraries.of((int) ',', (int) '"', (int) ' ', (int) '{', (int) '\\', 0xA0, 0x2003, 0x3000, 0xFEFF, 0xFFFF)),
                Tuple.of(2, Arbitraries.integers().between(0xA0, 0xD7FF)),
                Tuple.of(1, Arbitraries.integers().between(0xE000, 0xFFFF)),
                Tuple.of(1, Arbitraries.integers().between(0x10000, 0x10FFFF)));
        return codePoints.list().ofMinSize(1).ofMaxSize(40)
                .map(cps -> new String(cps.stream().mapToInt(Integer::intValue).toArray(), 0, cps.size()));
    }

    @Provide
    Arbitrary<Long> eventTimes() {
        return Arbitraries.longs().between(0, Long.MAX_VALUE);
    }

    /** Every finite double is as likely as its bit pattern, plus the edges: subnormals, -0.0, ±MAX. */
    @Provide
    Arbitrary<Double> finiteValues() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.longs().map(Double::longBitsToDouble).filter(Double::isFinite)),
                Tuple.of(2, Arbitraries.doubles().between(-1e6, 1e6)),
                Tuple.of(1, Arbitraries.of(0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL,
                        Double.MAX_VALUE, -Double.MAX_VALUE, 1e308, -1e-308)));
    }

    /** Quality flags, or -1 for a point written without them. */
    @Provide
    Arbitrary<Integer> flags() {
        return Arbitraries.integers().between(-1, 255);
    }

    @Provide
    Arbitrary<Input> records() {
        Arbitrary<byte[]> keys = Arbitraries.frequencyOf(
                Tuple.of(4, sensors().map(PointDecoderPropertyTest::utf8)),
                Tuple.of(3, Arbitraries.bytes().array(byte[].class).ofMaxSize(8)),
                Tuple.of(2, tokens(4)),
                Tuple.of(1, Arbitraries.of(new byte[0], new byte[256]).injectNull(0.3)));
        Arbitrary<Input> matching = wellFormed().flatMap(s -> mutated(s.text()).map(v -> new Input(utf8(s.sensor()), v)));
        Arbitrary<Input> unrelated = Combinators.combine(keys, values()).as(Input::new);
        return Arbitraries.frequencyOf(Tuple.of(1, matching), Tuple.of(1, unrelated));
    }

    /** Values and lines: random bytes, random pieces of text, and well-formed points with a few bytes broken. */
    @Provide
    Arbitrary<byte[]> values() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(40)),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMinSize(16).ofMaxSize(19)
                        .map(b -> prefixed(BinaryPoint.MAGIC, b))),
                Tuple.of(3, tokens(20)),
                Tuple.of(4, wellFormed().flatMap(s -> mutated(s.text()))));
    }

    private Arbitrary<byte[]> tokens(int max) {
        return Arbitraries.of(TOKENS).list().ofMaxSize(max).map(t -> utf8(String.join("", t)));
    }

    private Arbitrary<Sample> wellFormed() {
        return Combinators.combine(sensors(), eventTimes(), finiteValues(), Arbitraries.integers().between(0, 3),
                Arbitraries.longs()).as((sensor, ts, value, kind, seed) -> {
                    Random r = new Random(seed);
                    byte[] text = switch (kind) {
                        case 0 -> json(sensor, r.nextBoolean() ? ts : null, value, r);
                        case 1 -> csv(sensor, r.nextBoolean() ? ts : null, value, r);
                        case 2 -> BinaryPoint.encode(ts, value);
                        default -> withBom(true, r.nextBoolean() ? json(sensor, ts, value, r) : csv(sensor, ts, value, r));
                    };
                    return new Sample(sensor, text);
                });
    }

    /** {@code text} unchanged or with up to three bytes replaced, removed or inserted. */
    private static Arbitrary<byte[]> mutated(byte[] text) {
        return Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            byte[] b = text;
            int edits = r.nextInt(4);
            for (int i = 0; i < edits && b.length > 0; i++) {
                int at = r.nextInt(b.length);
                byte x = (byte) (r.nextBoolean() ? r.nextInt(256) : MUTATIONS.charAt(r.nextInt(MUTATIONS.length())));
                b = switch (r.nextInt(3)) {
                    case 0 -> replace(b, at, x);
                    case 1 -> remove(b, at);
                    default -> insert(b, at, x);
                };
            }
            return b;
        });
    }

    // ---- encoders of well-formed points, with the spellings each format allows ----

    private static byte[] json(String sensor, Long ts, double value, Random r) {
        String sensorField = "\"sensor\"" + blank(r) + ":" + blank(r) + jsonString(sensor, r);
        String valueField = "\"value\"" + blank(r) + ":" + blank(r) + value;
        String tsField = ts == null ? (r.nextBoolean() ? null : "\"ts\":null") : "\"ts\":" + ts;
        String extra = r.nextBoolean() ? null : "\"tags\":{\"a\":[1,\"x\",{\"b\":null}],\"sensor2\":\"" + r.nextInt() + "\"}";
        List<String> fields = new java.util.ArrayList<>(Arrays.asList(sensorField, valueField, tsField, extra));
        fields.removeIf(f -> f == null);
        java.util.Collections.shuffle(fields, r);
        return utf8(blank(r) + "{" + blank(r) + String.join("," + blank(r), fields) + blank(r) + "}" + blank(r));
    }

    /** A JSON string literal of {@code s}, each code point written plainly or \\u-escaped (as a surrogate pair) at random. */
    private static String jsonString(String s, Random r) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp == '"' || cp == '\\' || r.nextInt(4) == 0) {
                for (char c : Character.toChars(cp)) {
                    b.append(String.format(r.nextBoolean() ? "\\u%04x" : "\\u%04X", (int) c));
                }
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.append('"').toString();
    }

    private static byte[] csv(String sensor, Long ts, double value, Random r) {
        String tsText = ts == null ? "" : String.valueOf(ts);
        return utf8(blank(r) + csvField(sensor, r) + blank(r) + "," + blank(r) + csvField(tsText, r) + blank(r) + ","
                + blank(r) + csvField(String.valueOf(value), r) + blank(r) + (r.nextBoolean() ? "\r\n" : ""));
    }

    /**
     * The field quoted where it must be, else at random: commas, quotes, blanks at an end; a leading
     * '{' (the line would be taken for JSON) or U+FEFF (for a byte order mark, at the line's start).
     */
    private static String csvField(String s, Random r) {
        boolean mustQuote = s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.startsWith("{") || s.startsWith("\uFEFF") || (!s.isEmpty()
                && (Character.isWhitespace(s.charAt(0)) || Character.isWhitespace(s.charAt(s.length() - 1))));
        return mustQuote || r.nextInt(3) == 0 ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static String blank(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> " ";
            case 1 -> "\t";
            case 2 -> "  ";
            default -> "";
        };
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

    /** A record on {@code points}; printed readably when a property fails. */
    record Input(byte[] key, byte[] value) {
        @Override
        public String toString() {
            return "key=" + hex(key) + " value=" + hex(value);
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
