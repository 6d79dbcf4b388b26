package io.kpipe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kpipe.model.MalformedPointException;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;

/**
 * kpipe's decoder, compiled here against Spark's class path (Jackson 2.21, kafka-clients 3.9),
 * gives what it gives on kpipe's own (the golden file, written and checked by kpipe's test of the
 * same name): same points, same reasons, Jackson's messages included. And kpipe starts the Spark
 * JVM with the flags Spark's own launcher uses.
 */
class DecodeGoldenTest {
    @Test
    void shouldDecodeEveryGoldenCaseAsKpipesOwnDecoderDoes() throws IOException {
        List<String> lines;
        try (InputStream in = DecodeGoldenTest.class.getResourceAsStream("/decode-golden.tsv")) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#")).toList();
        }
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            assertEquals(f[3], outcome(HexFormat.of().parseHex(f[0]), HexFormat.of().parseHex(f[1]),
                    Long.parseLong(f[2])), "case " + line);
        }
        assertEquals(53, lines.size());
    }

    @Test
    void shouldStartSparkWithTheFlagsOfSparksOwnLauncher() throws IOException {
        List<String> ours = Files.readAllLines(Path.of("jvm.options"), StandardCharsets.UTF_8);
        assertEquals(Arrays.asList(JavaModuleOptions.defaultModuleOptionArray()), ours);
    }

    private static String outcome(byte[] key, byte[] value, long recordTimestamp) {
        try {
            MutablePoint p = new PointDecoder().decode(key, value, recordTimestamp, new MutablePoint());
            return "ok " + p.timestamp() + " " + p.value() + " " + p.flags();
        } catch (MalformedPointException e) {
            return "invalid " + e.getMessage();
        }
    }
}
