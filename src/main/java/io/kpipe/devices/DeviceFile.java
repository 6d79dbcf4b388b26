package io.kpipe.devices;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kpipe.model.Device;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a device registry file: NDJSON (one device per line, as on the {@code devices} topic) or
 * CSV with a header line {@code sensor,site,type,unit,min,max} (type, unit, min and max may be
 * empty). Blank lines and lines starting with {@code #} are skipped. Every other line becomes a
 * device or a rejection with its line number and reason.
 */
public final class DeviceFile {
    public static final String CSV_HEADER = "sensor,site,type,unit,min,max";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A line that is not a device. */
    public record Rejected(int line, String reason) {}

    /** What a file held. */
    public record Contents(List<Device> devices, List<Rejected> rejected) {}

    private DeviceFile() {}

    public static Contents read(BufferedReader in) throws IOException {
        List<Device> devices = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        String line;
        int n = 0;
        Boolean csv = null;
        while ((line = in.readLine()) != null) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            if (csv == null) {
                csv = !t.startsWith("{");
                if (csv) {
                    if (!t.equals(CSV_HEADER)) {
                        rejected.add(new Rejected(n, "a CSV registry starts with the header '" + CSV_HEADER + "'"));
                        return new Contents(devices, rejected);
                    }
                    continue;
                }
            }
            Device d;
            try {
                d = csv ? csv(t) : MAPPER.readValue(t, Device.class);
            } catch (IOException | IllegalArgumentException e) {
                rejected.add(new Rejected(n, csv ? e.getMessage() : "not a JSON device: " + firstLine(e.getMessage())));
                continue;
            }
            String problem = d.problem();
            if (problem != null) {
                rejected.add(new Rejected(n, problem));
            } else {
                devices.add(d);
            }
        }
        return new Contents(devices, rejected);
    }

    private static Device csv(String line) {
        String[] f = line.split(",", -1);
        if (f.length != 6) {
            throw new IllegalArgumentException("expected 6 fields (" + CSV_HEADER + "), got " + f.length);
        }
        return new Device(f[0].strip(), f[1].strip(), empty(f[2]), empty(f[3]), number(f[4], "min"), number(f[5], "max"));
    }

    private static String empty(String s) {
        return s.isBlank() ? null : s.strip();
    }

    private static Double number(String s, String field) {
        if (s.isBlank()) {
            return null;
        }
        try {
            return Double.valueOf(s.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("field '" + field + "' is not a number: '" + s.strip() + "'");
        }
    }

    private static String firstLine(String s) {
        int nl = s == null ? -1 : s.indexOf('\n');
        return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
    }

    /**
     * The registry {@code kpipe run} seeds for the generator's sensors {@code s-0..s-(n-1)}: ten
     * sites, temperature in C, bounds 0.01 and 99.99 (the generator's values are uniform in
     * [0, 100), so about 2 points in 10,000 raise an alert).
     */
    public static List<Device> seed(int sensors, java.util.function.IntFunction<String> name) {
        List<Device> out = new ArrayList<>(sensors);
        for (int i = 0; i < sensors; i++) {
            out.add(new Device(name.apply(i), "site-" + (i % 10), "temperature", "C", 0.01, 99.99));
        }
        return out;
    }
}
