package io.kpipe.http;

import io.kpipe.model.MalformedPointException;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import java.util.Arrays;

/**
 * The body of {@code POST /ingest}, line by line: each line a point or a reject with its line
 * number and reason. A pure function of the body, its format and the time that stands in for a
 * missing {@code ts}: no I/O, no clock, so its rules are tested without a broker.
 *
 * <ul>
 *   <li>Lines end with LF or CRLF; a last line without one counts too.
 *   <li>Line numbers count every line from 1, blank ones included; blank lines (spaces, tabs) are skipped.
 *   <li>CSV: a first line {@code sensor,ts,value} (any case) is a header and skipped.
 * </ul>
 *
 * <pre>{@code
 * IngestBody.read(body, json, now, new IngestBody.Lines() {
 *     public boolean point(String sensor, MutablePoint p) { send(sensor, p); return true; }
 *     public void reject(int line, String reason) { errors.add(line + ": " + reason); }
 * });
 * }</pre>
 */
public final class IngestBody {
    /** Where the lines of a body go, in order. */
    public interface Lines {
        /** A valid point; {@code point} is reused for the next line. Returns false to stop reading. */
        boolean point(String sensor, MutablePoint point);

        /** A line that is not a point, with the reason. */
        void reject(int lineNo, String reason);
    }

    private IngestBody() {}

    /**
     * Reads {@code body} (NDJSON if {@code json}, else CSV) until its end or until
     * {@link Lines#point} returns false; {@code now} (epoch ms) is the time of points without one.
     *
     * @return true if it read the whole body
     */
    public static boolean read(byte[] body, boolean json, long now, Lines lines) {
        PointDecoder decoder = new PointDecoder();
        MutablePoint point = new MutablePoint();
        int lineNo = 0;
        int start = 0;
        while (start < body.length) {
            int end = start;
            while (end < body.length && body[end] != '\n') {
                end++;
            }
            lineNo++;
            int stop = end > start && body[end - 1] == '\r' ? end - 1 : end;
            byte[] line = Arrays.copyOfRange(body, start, stop);
            start = end + 1;
            if (isBlank(line) || (!json && lineNo == 1 && PointDecoder.isCsvHeader(line))) {
                continue;
            }
            String sensor;
            try {
                sensor = decoder.decodeLine(line, json, now, point);
            } catch (MalformedPointException e) {
                lines.reject(lineNo, e.getMessage());
                continue;
            }
            if (!lines.point(sensor, point)) {
                return false;
            }
        }
        return true;
    }

    /** Lines in the body, counting a last line without its end of line. */
    public static long lineCount(byte[] body) {
        long n = 0;
        for (byte b : body) {
            if (b == '\n') {
                n++;
            }
        }
        return body.length > 0 && body[body.length - 1] != '\n' ? n + 1 : n;
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
