package io.kpipe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PointDecoderTest {
    private static final byte[] KEY = utf8("s-42");
    private static final long RECORD_TS = 1_764_000_000_500L;

    private final PointDecoder decoder = new PointDecoder();
    private final MutablePoint point = new MutablePoint();

    @Test
    void shouldRoundTripBinaryPoint() {
        decoder.decode(KEY, BinaryPoint.encode(1_764_000_000_000L, -21.25), RECORD_TS, point);

        assertThat(point.timestamp()).isEqualTo(1_764_000_000_000L);
        assertThat(point.value()).isEqualTo(-21.25);
        assertThat(point.flags()).isZero();
    }

    @Test
    void shouldRoundTripBinaryPointWithQualityFlags() {
        decoder.decode(KEY, BinaryPoint.encode(7L, Double.MAX_VALUE, 0xA5), RECORD_TS, point);

        assertThat(point.timestamp()).isEqualTo(7L);
        assertThat(point.value()).isEqualTo(Double.MAX_VALUE);
        assertThat(point.flags()).isEqualTo(0xA5);
    }

    @Test
    void shouldEncodeIntoAReusedBufferWithTheDocumentedLayout() {
        byte[] buf = new byte[BinaryPoint.SIZE];
        BinaryPoint.encode(0x0102030405060708L, 1.0, buf);

        assertThat(buf[0]).isEqualTo(BinaryPoint.MAGIC);
        assertThat(Arrays.copyOfRange(buf, 1, 9)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(Arrays.copyOfRange(buf, 9, 17)).containsExactly(0x3f, 0xf0 - 256, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void shouldDecodeJson() {
        decoder.decode(KEY, utf8("{\"sensor\":\"s-42\",\"ts\":1764000000000,\"value\":21.5}"), RECORD_TS, point);

        assertThat(point.timestamp()).isEqualTo(1_764_000_000_000L);
        assertThat(point.value()).isEqualTo(21.5);
    }

    @Test
    void shouldDecodeJsonWithIntegerValueUnknownFieldsAndSurroundingSpace() {
        decoder.decode(KEY, utf8("  {\"unit\":\"C\",\"value\":21,\"sensor\":\"s-42\",\"tags\":{\"a\":[1]},\"ts\":5}\n"),
                RECORD_TS, point);

        assertThat(point.timestamp()).isEqualTo(5L);
        assertThat(point.value()).isEqualTo(21.0);
    }

    @Test
    void shouldUseRecordTimestampWhenJsonOmitsTs() {
        decoder.decode(KEY, utf8("{\"sensor\":\"s-42\",\"value\":1.5}"), RECORD_TS, point);

        assertThat(point.timestamp()).isEqualTo(RECORD_TS);
    }

    @Test
    void shouldDecodeCsv() {
        decoder.decode(KEY, utf8("s-42,1764000000000,21.5\n"), RECORD_TS, point);

        assertThat(point.timestamp()).isEqualTo(1_764_000_000_000L);
        assertThat(point.value()).isEqualTo(21.5);
    }

    @Test
    void shouldUseRecordTimestampWhenCsvTsIsEmpty() {
        decoder.decode(KEY, utf8("s-42,,-3e2"), RECORD_TS, point);

        assertThat(point.timestamp()).isEqualTo(RECORD_TS);
        assertThat(point.value()).isEqualTo(-300.0);
    }

    static Stream<Arguments> malformed() {
        byte[] nan = BinaryPoint.encode(1L, Double.NaN);
        byte[] inf = BinaryPoint.encode(1L, Double.NEGATIVE_INFINITY);
        return Stream.of(
                Arguments.of("no key", null, utf8("s-42,1,2"), "missing key: points must be keyed by sensor id"),
                Arguments.of("empty key", new byte[0], utf8("s-42,1,2"), "missing key: points must be keyed by sensor id"),
                Arguments.of("long key", new byte[256], utf8("x,1,2"),
                        "key is 256 bytes, longer than the 255 allowed for a sensor id"),
                Arguments.of("null value", KEY, null, "empty value"),
                Arguments.of("empty value", KEY, new byte[0], "empty value"),
                Arguments.of("binary short", KEY, Arrays.copyOf(BinaryPoint.encode(1L, 1.0), 16),
                        "binary point must be 17 or 18 bytes, got 16"),
                Arguments.of("binary long", KEY, Arrays.copyOf(BinaryPoint.encode(1L, 1.0), 19),
                        "binary point must be 17 or 18 bytes, got 19"),
                Arguments.of("binary NaN", KEY, nan, "value is NaN"),
                Arguments.of("binary infinite", KEY, inf, "value is infinite"),
                Arguments.of("binary negative time", KEY, BinaryPoint.encode(-5L, 1.0), "event time is negative: -5"),
                Arguments.of("JSON cut off", KEY, utf8("{\"sensor\":\"s-42\",\"value\":"),
                        "malformed JSON: Unexpected end-of-input within/between Object entries"),
                Arguments.of("JSON array", KEY, utf8("{\"sensor\":\"s-42\",\"value\":1} [1]"),
                        "malformed JSON: expected one object"),
                Arguments.of("JSON no value", KEY, utf8("{\"sensor\":\"s-42\",\"ts\":1}"), "JSON field 'value' is missing"),
                Arguments.of("JSON no sensor", KEY, utf8("{\"ts\":1,\"value\":1}"), "JSON field 'sensor' is missing"),
                Arguments.of("JSON empty sensor", KEY, utf8("{\"sensor\":\"\",\"value\":1}"), "sensor is empty"),
                Arguments.of("JSON sensor not a string", KEY, utf8("{\"sensor\":42,\"value\":1}"),
                        "JSON field 'sensor' must be a string"),
                Arguments.of("JSON value as string", KEY, utf8("{\"sensor\":\"s-42\",\"value\":\"hot\"}"),
                        "JSON field 'value' must be a number"),
                Arguments.of("JSON ts as string", KEY, utf8("{\"sensor\":\"s-42\",\"ts\":\"now\",\"value\":1}"),
                        "JSON field 'ts' must be an integer (epoch ms)"),
                Arguments.of("JSON NaN literal", KEY, utf8("{\"sensor\":\"s-42\",\"value\":NaN}"),
                        "malformed JSON: Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"),
                Arguments.of("JSON other sensor", KEY, utf8("{\"sensor\":\"s-7\",\"value\":1}"),
                        "sensor 's-7' does not match the record key 's-42'"),
                Arguments.of("CSV two fields", KEY, utf8("s-42,1"), "CSV must have 3 fields (sensor,ts,value), got 2"),
                Arguments.of("CSV four fields", KEY, utf8("s-42,1,2,3"), "CSV must have 3 fields (sensor,ts,value), got 4"),
                Arguments.of("CSV bad ts", KEY, utf8("s-42,yesterday,2"), "CSV field 'ts' is not an integer: 'yesterday'"),
                Arguments.of("CSV bad value", KEY, utf8("s-42,1,abc"), "CSV field 'value' is not a number: 'abc'"),
                Arguments.of("CSV NaN", KEY, utf8("s-42,1,NaN"), "value is NaN"),
                Arguments.of("CSV empty sensor", KEY, utf8(",1,2.5"), "sensor is empty"),
                Arguments.of("CSV other sensor", KEY, utf8("s-1,1,2.5"), "sensor 's-1' does not match the record key 's-42'"),
                Arguments.of("no format", KEY, utf8("hello"),
                        "unrecognised format: first byte 0x68 is neither binary (0x01), JSON ('{') nor CSV (no comma)"),
                Arguments.of("unknown binary magic", KEY, new byte[] {0x02, 1, 2},
                        "unrecognised format: first byte 0x02 is neither binary (0x01), JSON ('{') nor CSV (no comma)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void shouldRejectMalformedInputWithItsReason(String name, byte[] key, byte[] value, String reason) {
        assertThatThrownBy(() -> decoder.decode(key, value, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class)
                .hasMessage(reason);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldDecodeALineThatNamesItsOwnSensor() {
        assertThat(decoder.decodeLine(utf8("{\"sensor\":\"ext-1\",\"value\":2.5}"), true, RECORD_TS, point)).isEqualTo("ext-1");
        assertThat(point.timestamp()).isEqualTo(RECORD_TS);
        assertThat(point.value()).isEqualTo(2.5);
        assertThat(decoder.decodeLine(utf8(" s-9 , 17 , -1 "), false, RECORD_TS, point)).isEqualTo("s-9");
        assertThat(point.timestamp()).isEqualTo(17);
        assertThat(point.value()).isEqualTo(-1.0);
    }

    @Test
    void shouldRejectALineWithAnEmptyOrOverlongSensorOrBadContent() {
        assertThatThrownBy(() -> decoder.decodeLine(utf8(",1,2"), false, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class).hasMessage("sensor is empty");
        assertThatThrownBy(() -> decoder.decodeLine(utf8("x".repeat(256) + ",1,2"), false, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class).hasMessage("sensor is 256 bytes, longer than the 255 allowed");
        assertThatThrownBy(() -> decoder.decodeLine(utf8("s,-1,2"), false, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class).hasMessage("event time is negative: -1");
        assertThatThrownBy(() -> decoder.decodeLine(utf8("s,1,2"), true, RECORD_TS, point))
                .isInstanceOf(MalformedPointException.class).hasMessageStartingWith("malformed JSON");
    }
}
