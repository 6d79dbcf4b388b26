package io.kpipe.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.model.MalformedPointException;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decoding golden file ({@code spark/src/test/resources/decode-golden.tsv}) holds kpipe's
 * outcome for each case on kpipe's class path; the Spark module's test of the same name decodes
 * the same lines on Spark's class path (Jackson 2.21, kafka-clients 3.9) and must get the same.
 * With {@code -Dkpipe.golden.write=true} this test writes the expected column instead of checking it.
 */
class DecodeGoldenTest {
    static final Path FILE = Path.of("spark/src/test/resources/decode-golden.tsv");

    @Test
    void shouldDecodeEveryGoldenCaseAsTheGoldenFileSays() throws IOException {
        List<String> lines = Files.readAllLines(FILE, StandardCharsets.UTF_8);
        List<String> written = new ArrayList<>();
        int cases = 0;
        for (String line : lines) {
            if (line.startsWith("#")) {
                written.add(line);
                continue;
            }
            String[] f = line.split("\t", -1);
            String outcome = outcome(HexFormat.of().parseHex(f[0]), HexFormat.of().parseHex(f[1]), Long.parseLong(f[2]));
            written.add(f[0] + "\t" + f[1] + "\t" + f[2] + "\t" + outcome);
            if (!Boolean.getBoolean("kpipe.golden.write")) {
                assertThat(outcome).as("case %s", line).isEqualTo(f[3]);
            }
            cases++;
        }
        if (Boolean.getBoolean("kpipe.golden.write")) {
            Files.write(FILE, written, StandardCharsets.UTF_8);
        }
        assertThat(cases).isEqualTo(53);
    }

    /** A decode's outcome as one line: {@code ok <ts> <value> <flags>} or {@code invalid <reason>}. */
    static String outcome(byte[] key, byte[] value, long recordTimestamp) {
        try {
            MutablePoint p = new PointDecoder().decode(key, value, recordTimestamp, new MutablePoint());
            return "ok " + p.timestamp() + " " + p.value() + " " + p.flags();
        } catch (MalformedPointException e) {
            return "invalid " + e.getMessage();
        }
    }
}
