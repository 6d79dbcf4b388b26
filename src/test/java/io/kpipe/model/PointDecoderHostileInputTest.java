package io.kpipe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The decoder against input a hostile or merely foreign client sends: bad text, BOMs, quoting, deep JSON. */
class PointDecoderHostileInputTest {
    private static final long RECORD_TS = 1_764_000_000_500L;
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    private static final byte[] BINARY = BinaryPoint.encode(1_764_000_000_000L, 1.5);

    private final PointDecoder decoder = new PointDecoder();
    private final MutablePoint point = new MutablePoint();

    // ---- sensor ids: valid UTF-8, no control characters ----

    static Stream<Arguments> badKeys() {
        return Stream.of(
                Arguments.of("invalid byte", bytes('s', 0xFF), "key is not valid UTF-8 at byte 1"),
                Arguments.of("continuation without lead", bytes('s', '-', 0x80), "key is not valid UTF-8 at byte 2"),
                Arguments.of("overlong NUL", bytes('s', 0xC0, 0x80), "key is not valid UTF-8 at byte 1"),
                Arguments.of("overlong slash", bytes(0xE0, 0x80, 0xAF), "key is not valid UTF-8 at byte 0"),
                Arguments.of("surrogate (CESU-8)", bytes('a', 'b', 0xED, 0xA0, 0x80), "key is not valid UTF-8 at byte 2"),
                Arguments.of("above U+10FFFF", bytes(0xF4, 0x90, 0x80, 0x80), "key is not valid UTF-8 at byte 0"),
                Arguments.of("cut-off sequence", bytes('s', 0xE2, 0x82), "key is not valid UTF-8 at byte 1"),
                Arguments.of("bad continuation", bytes('s', 0xE2, 0x41, 0x82), "key is not valid UTF-8 at byte 1"),
                Arguments.of("NUL", bytes('s', '-', 0), "key contains control character U+0000 at byte 2"),
                Arguments.of("tab", bytes('s', '\t', '1'), "key contains control character U+0009 at byte 1"),
                Arguments.of("DEL", bytes(0x7F), "key contains control character U+007F at byte 0"),
                Arguments.of("C1 NEL after a multi-byte char", bytes(0xC3, 0xA9, 0xC2, 0x85),
                        "key contains control character U+0085 at byte 2"),
                Arguments.of("C1 APC", bytes('x', 0xC2, 0x9F), "key contains control character U+009F at byte 1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badKeys")
    void shouldRejectKeyThatIsNotAValidSensorIdEvenOnTheBinaryPath(String name, byte[] key, String reason) {
        assertThatThrownBy(() -> decoder.decode(key, BINARY, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage(reason);
    }

    @Test
    void shouldAcceptMultiByteSensorIdsInEveryFormat() {
        String sensor = "température-€-\uD834\uDD1E-\u00A0";
        byte[] key = utf8(sensor);

        decoder.decode(key, BINARY, RECORD_TS, point);
        assertThat(point.value()).isEqualTo(1.5);
        decoder.decode(key, utf8("{\"sensor\":\"" + sensor + "\",\"value\":2}"), RECORD_TS, point);
        assertThat(point.value()).isEqualTo(2.0);
        decoder.decode(key, utf8("{\"sensor\":\"temp\\u00e9rature-\\u20ac-\\ud834\\udd1e-\\u00a0\",\"value\":3}"), RECORD_TS, point);
        assertThat(point.value()).isEqualTo(3.0);
        decoder.decode(key, utf8(sensor + ",1,4"), RECORD_TS, point);
        assertThat(point.value()).isEqualTo(4.0);
        assertThat(decoder.decodeLine(utf8(sensor + ",1,5"), false, RECORD_TS, point)).isEqualTo(sensor);
    }

    @Test
    void shouldRejectSensorWithNulByte() {
        assertThatThrownBy(() -> decoder.decodeLine(utf8("s\u0000x,1,2"), false, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage("sensor contains control character U+0000 at index 1");
        assertThatThrownBy(() -> decoder.decodeLine(utf8("{\"sensor\":\"s-\\u0000\",\"value\":1}"), true, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage("sensor contains control character U+0000 at index 2");
    }

    static Stream<Arguments> badSensorsInLines() {
        return Stream.of(
                Arguments.of("CSV tab inside", "s\tx,1,2", false, "sensor contains control character U+0009 at index 1"),
                Arguments.of("CSV DEL", "ab\u007F,1,2", false, "sensor contains control character U+007F at index 2"),
                Arguments.of("CSV C1", "\u0085s,1,2", false, "sensor contains control character U+0085 at index 0"),
                Arguments.of("CSV quoted control", "\"a\u001Bb\",1,2", false, "sensor contains control character U+001B at index 1"),
                Arguments.of("JSON escaped C1", "{\"sensor\":\"a\\u009f\",\"value\":1}", true,
                        "sensor contains control character U+009F at index 1"),
                Arguments.of("JSON raw DEL", "{\"sensor\":\"a\u007F\",\"value\":1}", true,
                        "sensor contains control character U+007F at index 1"),
                Arguments.of("JSON lone high surrogate", "{\"sensor\":\"ab\\ud800\",\"value\":1}", true,
                        "sensor contains a lone surrogate U+D800 at index 2"),
                Arguments.of("JSON lone low surrogate", "{\"sensor\":\"\\udc00x\",\"value\":1}", true,
                        "sensor contains a lone surrogate U+DC00 at index 0"),
                Arguments.of("JSON swapped surrogates", "{\"sensor\":\"\\udd1e\\ud834\",\"value\":1}", true,
                        "sensor contains a lone surrogate U+DD1E at index 0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSensorsInLines")
    void shouldRejectLineWhoseSensorHasControlCharactersOrLoneSurrogates(String name, String line, boolean json, String reason) {
        assertThatThrownBy(() -> decoder.decodeLine(utf8(line), json, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage(reason);
    }

    @Test
    void shouldRejectLoneSurrogateEvenWhereItsReplacementMatchesTheKey() {
        // getBytes(UTF_8) turns a lone surrogate into '?', so a comparison with the key alone would pass.
        assertThatThrownBy(() -> decoder.decode(utf8("?"), utf8("{\"sensor\":\"\\ud800\",\"value\":1}"), RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage("sensor contains a lone surrogate U+D800 at index 0");
    }

    static Stream<Arguments> badText() {
        return Stream.of(
                Arguments.of("JSON with an invalid byte", concat(utf8("{\"sensor\":\"s"), bytes(0xFF), utf8("\",\"value\":1}")),
                        "JSON is not valid UTF-8 at byte 12"),
                Arguments.of("JSON with a CESU-8 surrogate", concat(utf8("{\"sensor\":\"s"), bytes(0xED, 0xA0, 0x80), utf8("\",\"value\":1}")),
                        "JSON is not valid UTF-8 at byte 12"),
                Arguments.of("JSON with an overlong NUL", concat(utf8("{\"sensor\":\"s"), bytes(0xC0, 0x80), utf8("\",\"value\":1}")),
                        "JSON is not valid UTF-8 at byte 12"),
                Arguments.of("JSON in UTF-16", "{\"sensor\":\"s\",\"value\":1}".getBytes(StandardCharsets.UTF_16LE),
                        "JSON contains control character U+0000 at byte 1"),
                Arguments.of("JSON with a raw NUL", utf8("{\"sensor\":\"s\u0000\",\"value\":1}"),
                        "JSON contains control character U+0000 at byte 12"),
                Arguments.of("CSV with an invalid byte in the sensor", concat(utf8("s"), bytes(0xFF), utf8(",1,2")),
                        "CSV is not valid UTF-8 at byte 1"),
                Arguments.of("CSV with a CESU-8 surrogate", concat(utf8("s,1,2"), bytes(0xED, 0xB0, 0x80)),
                        "CSV is not valid UTF-8 at byte 5"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badText")
    void shouldRejectTextThatIsNotValidUtf8OrHasRawControlCharacters(String name, byte[] text, String reason) {
        boolean json = text[0] == '{';
        assertThatThrownBy(() -> decoder.decodeLine(text, json, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage(reason);
        assertThatThrownBy(() -> decoder.decode(utf8("s"), text, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage(reason);
    }

    // ---- a leading UTF-8 BOM is skipped ----

    @Test
    void shouldSkipLeadingBomInRecordValues() {
        decoder.decode(utf8("s-42"), concat(BOM, utf8("{\"sensor\":\"s-42\",\"ts\":7,\"value\":21.5}")), RECORD_TS, point);
        assertThat(point.timestamp()).isEqualTo(7L);
        assertThat(point.value()).isEqualTo(21.5);

        decoder.decode(utf8("s-42"), concat(BOM, utf8(" \n{\"sensor\":\"s-42\",\"value\":1}")), RECORD_TS, point);
        assertThat(point.value()).isEqualTo(1.0);

        decoder.decode(utf8("s-42"), concat(BOM, utf8("s-42,8,-2.5")), RECORD_TS, point);
        assertThat(point.timestamp()).isEqualTo(8L);
        assertThat(point.value()).isEqualTo(-2.5);
    }

    @Test
    void shouldSkipLeadingBomInLines() {
        assertThat(decoder.decodeLine(concat(BOM, utf8("s-9,17,-1")), false, RECORD_TS, point)).isEqualTo("s-9");
        assertThat(point.timestamp()).isEqualTo(17L);
        assertThat(decoder.decodeLine(concat(BOM, utf8("{\"sensor\":\"s-9\",\"value\":3}")), true, RECORD_TS, point)).isEqualTo("s-9");
        assertThat(point.value()).isEqualTo(3.0);
    }

    @Test
    void shouldFindCsvHeaderBehindBomAndQuotes() {
        assertThat(PointDecoder.isCsvHeader(concat(BOM, utf8("sensor,ts,value\r")))).isTrue();
        assertThat(PointDecoder.isCsvHeader(concat(BOM, utf8("\"Sensor\", \"TS\" ,value")))).isTrue();
        assertThat(PointDecoder.isCsvHeader(concat(BOM, utf8("s-1,1,2")))).isFalse();
        assertThat(PointDecoder.isCsvHeader(utf8("\"sensor,ts,value\""))).isFalse();
        assertThat(PointDecoder.isCsvHeader(utf8("\"sensor,ts,value"))).isFalse();
        assertThat(PointDecoder.isCsvHeader(concat(BOM, BOM, utf8("sensor,ts,value")))).isFalse();
    }

    @Test
    void shouldTellJsonLinesBehindBomAndBlanks() {
        assertThat(PointDecoder.isJsonLine(concat(BOM, utf8("{\"sensor\":\"s\",\"value\":1}")))).isTrue();
        assertThat(PointDecoder.isJsonLine(concat(BOM, utf8(" \t{")))).isTrue();
        assertThat(PointDecoder.isJsonLine(utf8("{"))).isTrue();
        assertThat(PointDecoder.isJsonLine(concat(BOM, utf8("s,1,{")))).isFalse();
        assertThat(PointDecoder.isJsonLine(concat(utf8(" "), BOM, utf8("{")))).isFalse();
        assertThat(PointDecoder.isJsonLine(BOM)).isFalse();
        assertThat(PointDecoder.isJsonLine(new byte[0])).isFalse();
    }

    @Test
    void shouldTreatAValueOfOnlyABomAsEmpty() {
        assertThatThrownBy(() -> decoder.decode(utf8("s"), BOM, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class).hasMessage("empty value");
        assertThatThrownBy(() -> decoder.decodeLine(BOM, false, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class).hasMessage("empty line");
        assertThatThrownBy(() -> decoder.decode(utf8("s"), concat(BOM, utf8("hello")), RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage("unrecognised format: first byte 0x68 after the UTF-8 BOM is neither binary (0x01), JSON ('{') nor CSV (no comma)");
    }

    @Test
    void shouldKeepABomThatIsNotLeadingAsPartOfTheText() {
        assertThatThrownBy(() -> decoder.decode(utf8("s-42"), concat(utf8(" "), BOM, utf8("s-42,1,2")), RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage("sensor '\uFEFFs-42' does not match the record key 's-42'");
    }

    // ---- CSV quoting per RFC 4180 ----

    static Stream<Arguments> quotedCsv() {
        return Stream.of(
                Arguments.of("every field quoted", "\"s-1\",\"1764000000000\",\"21.5\"", "s-1", 1_764_000_000_000L, 21.5),
                Arguments.of("comma inside quotes", "\"plant a, line 2\",5,1", "plant a, line 2", 5L, 1.0),
                Arguments.of("doubled quote", "\"say \"\"hi\"\"\",5,1", "say \"hi\"", 5L, 1.0),
                Arguments.of("only a doubled quote", "\"\"\"\",5,1", "\"", 5L, 1.0),
                Arguments.of("blanks kept inside, stripped outside", "  \" s 1 \"  , 5 ,\"1\"\r\n", " s 1 ", 5L, 1.0),
                Arguments.of("quoted empty ts means record time", "s-1,\"\",2", "s-1", RECORD_TS, 2.0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("quotedCsv")
    void shouldUnquoteCsvFields(String name, String line, String sensor, long ts, double value) {
        assertThat(decoder.decodeLine(utf8(line), false, RECORD_TS, point)).isEqualTo(sensor);
        assertThat(point.timestamp()).isEqualTo(ts);
        assertThat(point.value()).isEqualTo(value);

        decoder.decode(utf8(sensor), utf8(line), RECORD_TS, point);
        assertThat(point.timestamp()).isEqualTo(ts);
        assertThat(point.value()).isEqualTo(value);
    }

    @Test
    void shouldRejectQuotedLineBreakInSensor() {
        // Valid CSV, but a control character in a sensor id all the same.
        assertThatThrownBy(() -> decoder.decodeLine(utf8("\"a\nb\",5,1"), false, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage("sensor contains control character U+000A at index 1");
    }

    static Stream<Arguments> badlyQuotedCsv() {
        return Stream.of(
                Arguments.of("unterminated sensor", "\"s-1,1,2", "CSV field 'sensor' has an unterminated quote"),
                Arguments.of("unterminated value", "s-1,1,\"2", "CSV field 'value' has an unterminated quote"),
                Arguments.of("unterminated fourth field", "s-1,1,2,\"", "CSV field 4 has an unterminated quote"),
                Arguments.of("text after closing quote", "\"s-1\"x,1,2", "CSV field 'sensor' has text after its closing quote"),
                Arguments.of("quote after closing quote and blank", "s-1,\"1\" \"\",2", "CSV field 'ts' has text after its closing quote"),
                Arguments.of("quote inside unquoted field", "s\"1,1,2", "CSV field 'sensor' has a quote but is not quoted"),
                Arguments.of("quote at end of unquoted field", "s-1,1,2\"", "CSV field 'value' has a quote but is not quoted"),
                Arguments.of("four fields, one quoted comma", "\"a,b\",1,2,3", "CSV must have 3 fields (sensor,ts,value), got 4"),
                Arguments.of("two fields, one quoted comma", "\"a,b\",1", "CSV must have 3 fields (sensor,ts,value), got 2"),
                Arguments.of("quoted ts with blanks inside", "s-1,\" 1\",2", "CSV field 'ts' is not an integer: ' 1'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badlyQuotedCsv")
    void shouldRejectBadlyQuotedCsvWithItsReason(String name, String line, String reason) {
        assertThatThrownBy(() -> decoder.decodeLine(utf8(line), false, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage(reason);
    }

    // ---- JSON limits end as a reason, never another exception ----

    static Stream<Arguments> jsonPastItsLimits() {
        return Stream.of(
                Arguments.of("100,000 open arrays in an unknown field",
                        "{\"sensor\":\"s\",\"value\":1,\"x\":" + "[".repeat(100_000) + "}",
                        "malformed JSON: Document nesting depth (65) exceeds the maximum allowed (64, from `StreamReadConstraints.getMaxNestingDepth()`)"),
                Arguments.of("100,000 closed arrays before the value",
                        "{\"sensor\":\"s\",\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + ",\"value\":1}",
                        "malformed JSON: Document nesting depth (65) exceeds the maximum allowed (64, from `StreamReadConstraints.getMaxNestingDepth()`)"),
                Arguments.of("100,000 nested objects",
                        "{\"sensor\":\"s\",\"value\":1,\"x\":" + "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_001),
                        "malformed JSON: Document nesting depth (65) exceeds the maximum allowed (64, from `StreamReadConstraints.getMaxNestingDepth()`)"),
                Arguments.of("a 2,000-digit value", "{\"sensor\":\"s\",\"value\":" + "9".repeat(2_000) + "}",
                        "malformed JSON: Number value length (2000) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNumberLength()`)"),
                Arguments.of("a 60,000-character field name", "{\"sensor\":\"s\",\"value\":1,\"" + "n".repeat(60_000) + "\":1}",
                        "malformed JSON: Name length (60000) exceeds the maximum allowed (50000, from `StreamReadConstraints.getMaxNameLength()`)"),
                Arguments.of("a ts past the long range", "{\"sensor\":\"s\",\"ts\":9223372036854775808,\"value\":1}",
                        "malformed JSON: Numeric value (9223372036854775808) out of range of long (-9223372036854775808 - 9223372036854775807)"),
                Arguments.of("a value past the double range", "{\"sensor\":\"s\",\"value\":1e400}", "value is infinite"),
                Arguments.of("an integer value past the double range", "{\"sensor\":\"s\",\"value\":" + "9".repeat(400) + "}",
                        "value is infinite"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jsonPastItsLimits")
    void shouldRejectJsonPastJacksonLimitsWithAReason(String name, String json, String reason) {
        assertThatThrownBy(() -> decoder.decode(utf8("s"), utf8(json), RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage(reason);
        assertThatThrownBy(() -> decoder.decodeLine(utf8(json), true, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage(reason);
    }

    @Test
    void shouldAcceptNestingUpToTheLimit() {
        String json = "{\"sensor\":\"s\",\"x\":" + "[".repeat(63) + "]".repeat(63) + ",\"value\":1}";

        decoder.decode(utf8("s"), utf8(json), RECORD_TS, point);

        assertThat(point.value()).isEqualTo(1.0);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
