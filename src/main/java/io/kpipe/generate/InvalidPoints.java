package io.kpipe.generate;

import io.kpipe.model.BinaryPoint;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The malformed points the generator sends: at least one failure mode of each wire format, each
 * rejected by the decoder with its own reason. They are built once and sent in turn.
 */
final class InvalidPoints {
    /** One malformed record: key (null for "no key") and value. */
    record Sample(byte[] key, byte[] value) {}

    private InvalidPoints() {}

    static List<Sample> samples(long now) {
        byte[] key = utf8("s-0");
        byte[] nan = BinaryPoint.encode(now, Double.NaN);
        byte[] truncated = java.util.Arrays.copyOf(BinaryPoint.encode(now, 1.0), 9);
        return List.of(
                new Sample(key, truncated),                                           // binary: wrong size
                new Sample(key, nan),                                                 // binary: NaN
                new Sample(null, BinaryPoint.encode(now, 1.0)),                       // no key
                new Sample(key, utf8("{\"sensor\":\"s-0\",\"ts\":" + now + ",\"value\":")), // JSON: cut off
                new Sample(key, utf8("{\"sensor\":\"s-0\",\"ts\":" + now + "}")),    // JSON: no value
                new Sample(key, utf8("{\"sensor\":\"s-0\",\"value\":\"hot\"}")),     // JSON: value not a number
                new Sample(key, utf8("{\"sensor\":\"s-9\",\"value\":1.5}")),         // JSON: sensor is not the key
                new Sample(key, utf8("s-0," + now + ",abc")),                         // CSV: value not a number
                new Sample(key, utf8("s-0," + now)),                                  // CSV: two fields
                new Sample(key, utf8(",1,2.5")),                                      // CSV: empty sensor
                new Sample(key, utf8("hello")));                                      // no format at all
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
