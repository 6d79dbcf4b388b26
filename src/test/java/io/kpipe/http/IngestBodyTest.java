package io.kpipe.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.model.MutablePoint;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IngestBodyTest {
    private static final long NOW = 1_764_000_099_000L;

    /** What a body read into: points as "sensor,ts,value", rejects as "line: reason", in order. */
    private static final class Collected implements IngestBody.Lines {
        final List<String> points = new ArrayList<>();
        final List<String> rejects = new ArrayList<>();
        int stopAfter = Integer.MAX_VALUE;

        @Override
        public boolean point(String sensor, MutablePoint p) {
            points.add(sensor + "," + p.timestamp() + "," + p.value());
            return points.size() < stopAfter;
        }

        @Override
        public void reject(int lineNo, String reason) {
            rejects.add(lineNo + ": " + reason);
        }
    }

    private static Collected read(String body, boolean json) {
        Collected c = new Collected();
        assertThat(IngestBody.read(body.getBytes(StandardCharsets.UTF_8), json, NOW, c)).isTrue();
        return c;
    }

    @Test
    void shouldGiveThePointsOfAnNdjsonBodyAndEveryBadLineWithItsNumberAndReason() {
        Collected c = read("""
                {"sensor":"a","ts":1764000000000,"value":1.5}
                {"sensor":"b","ts":1764000000001,"value":2}
                {"sensor":"c","ts":1764000000002,"value":"hot"}

                not json at all
                {"sensor":"","ts":1764000000003,"value":4}
                {"sensor":"a","value":3.25}
                {"ts":1764000000005,"value":5}
                """, true);

        assertThat(c.points).containsExactly("a,1764000000000,1.5", "b,1764000000001,2.0", "a," + NOW + ",3.25");
        assertThat(c.rejects).containsExactly(
                "3: JSON field 'value' must be a number",
                "5: malformed JSON: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token "
                        + "'null', 'true' or 'false')",
                "6: sensor is empty",
                "8: JSON field 'sensor' is missing");
    }

    @Test
    void shouldSkipTheCsvHeaderOnlyOnTheFirstLineAndStampPointsWithoutTimeWithNow() {
        Collected c = read("Sensor,TS,Value\r\ns-1,1764000000000,21.5\r\ns-2,,7\r\ns-3,yesterday,1\r\n"
                + "s-4,1764000000000\r\ns-5,1764000000000,NaN\r\nsensor,ts,value\r\n", false);

        assertThat(c.points).containsExactly("s-1,1764000000000,21.5", "s-2," + NOW + ",7.0");
        assertThat(c.rejects).containsExactly(
                "4: CSV field 'ts' is not an integer: 'yesterday'",
                "5: CSV must have 3 fields (sensor,ts,value), got 2",
                "6: value is NaN",
                "7: CSV field 'ts' is not an integer: 'ts'");
    }

    @Test
    void shouldCountBlankLinesWithoutRejectingThemAndReadALastLineWithoutItsEnd() {
        Collected c = read("\n \t\r\ns-1,5,1\n\ns-2,6,2", false);

        assertThat(c.points).containsExactly("s-1,5,1.0", "s-2,6,2.0");
        assertThat(c.rejects).isEmpty();
    }

    @Test
    void shouldNotTakeACsvHeaderInAnNdjsonBody() {
        Collected c = read("sensor,ts,value\n{\"sensor\":\"s-1\",\"ts\":5,\"value\":1}\n", true);

        assertThat(c.points).containsExactly("s-1,5,1.0");
        assertThat(c.rejects).hasSize(1).allMatch(r -> r.startsWith("1: malformed JSON: "));
    }

    @Test
    void shouldStopAtThePointTheReceiverRefusesAndReadNothingAfterIt() {
        Collected c = new Collected();
        c.stopAfter = 2;

        boolean whole = IngestBody.read("s-1,1,1\nbad\ns-2,2,2\ns-3,3,3\nworse\n".getBytes(StandardCharsets.UTF_8),
                false, NOW, c);

        assertThat(whole).isFalse();
        assertThat(c.points).containsExactly("s-1,1,1.0", "s-2,2,2.0");
        assertThat(c.rejects).containsExactly("2: CSV must have 3 fields (sensor,ts,value), got 1");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"''|0", "a|1", "a\\n|1", "a\\nb|2", "\\n\\n|2", "a\\r\\nb\\r\\n|2"})
    void shouldCountLinesWithOrWithoutALastEndOfLine(String body, long lines) {
        byte[] bytes = body.replace("\\n", "\n").replace("\\r", "\r").getBytes(StandardCharsets.UTF_8);

        assertThat(IngestBody.lineCount(bytes)).isEqualTo(lines);
    }
}
