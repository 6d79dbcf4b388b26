package io.kpipe.http;

import com.sun.net.httpserver.HttpExchange;
import io.kpipe.config.KafkaConnection;
import io.kpipe.model.BinaryPoint;
import io.kpipe.model.MalformedPointException;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code POST /ingest}: points from the outside world. The body is NDJSON
 * ({@code application/x-ndjson}, {@code application/ndjson} or {@code application/json}: one JSON
 * point a line) or CSV ({@code text/csv}: {@code sensor,ts,value} a line, an optional header line
 * {@code sensor,ts,value}); each line is a point as in DESIGN.md, {@code ts} optional (the time of
 * the request stands in). Valid lines go to {@code points} (binary, keyed by sensor, acks=all) and
 * are acknowledged by Kafka before the response; invalid lines are not produced but listed in the
 * response with their line number and reason:
 * <pre>{"accepted": 998, "rejected": 2, "errors": [{"line": 7, "reason": "value is NaN"}, ...]}</pre>
 * 200 when the body was read (even if every line was rejected); 401 without the bearer token
 * (when one is set); 405 for a method other than POST; 413 over the body size or line limits;
 * 415 for another content type; 503 when Kafka did not take the points (the client retries: the
 * points it sent may then be in {@code points} twice, at-least-once) or the run is over.
 */
public final class IngestApi implements AutoCloseable {
    /** Reasons listed per response at most; the counts are always complete. */
    static final int MAX_ERRORS_LISTED = 1000;

    /** Limits of one request. */
    public record Limits(long maxBodyBytes, int maxLines) {
        public static final Limits DEFAULT = new Limits(16L * 1024 * 1024, 100_000);
    }

    /** Told of every point Kafka acknowledged (for {@code kpipe run}'s per-key books). */
    public interface Tally {
        void acked(String sensor, long timestamp);
    }

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final byte[] token;
    private final Limits limits;
    private final Tally tally;
    private final LongAdder accepted = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private volatile String closedReason;

    private IngestApi(Producer<byte[], byte[]> producer, String topic, String token, Limits limits, Tally tally) {
        this.producer = producer;
        this.topic = topic;
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.limits = limits;
        this.tally = tally;
    }

    /** Serves {@code POST /ingest} on {@code http}, producing to {@code topic} with a producer of its own. */
    public static IngestApi on(HttpService http, KafkaConnection kafka, String topic, String token, Limits limits,
                               Tally tally) {
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000)), new ByteArraySerializer(), new ByteArraySerializer());
        IngestApi api = new IngestApi(producer, topic, token, limits, tally);
        http.route("/ingest", api::handle);
        return api;
    }

    public Producer<byte[], byte[]> producer() {
        return producer;
    }

    /** Points acknowledged by Kafka since start. */
    public long accepted() {
        return accepted.sum();
    }

    /** Lines rejected since start. */
    public long rejected() {
        return rejected.sum();
    }

    public long requests() {
        return requests.sum();
    }

    /** From now on, requests get 503 with this reason (the run is over and its books are being closed). */
    public void refuse(String reason) {
        closedReason = reason;
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            requests.increment();
            if (!x.getRequestMethod().equals("POST")) {
                x.getResponseHeaders().set("Allow", "POST");
                HttpService.sendJson(x, 405, Map.of("error", "use POST with an NDJSON or CSV body"));
                return;
            }
            if (token != null && !authorized(x.getRequestHeaders().getFirst("Authorization"))) {
                x.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"kpipe\"");
                HttpService.sendJson(x, 401, Map.of("error", "missing or wrong bearer token (Authorization: Bearer <token>)"));
                return;
            }
            Boolean json = format(x.getRequestHeaders().getFirst("Content-Type"));
            if (json == null) {
                HttpService.sendJson(x, 415, Map.of("error", "Content-Type must be application/x-ndjson, "
                        + "application/ndjson, application/json or text/csv, got '"
                        + x.getRequestHeaders().getFirst("Content-Type") + "'"));
                return;
            }
            String declared = x.getRequestHeaders().getFirst("Content-Length");
            if (declared != null && parseLong(declared) > limits.maxBodyBytes()) {
                HttpService.sendJson(x, 413, Map.of("error", tooLarge()));
                return;
            }
            byte[] body = readAtMost(x.getRequestBody(), limits.maxBodyBytes() + 1);
            if (body.length > limits.maxBodyBytes()) {
                HttpService.sendJson(x, 413, Map.of("error", tooLarge()));
                return;
            }
            String refused = closedReason;
            if (refused != null) {
                HttpService.sendJson(x, 503, Map.of("error", refused));
                return;
            }
            ingest(x, body, json);
        }
    }

    private String tooLarge() {
        return "body larger than " + limits.maxBodyBytes() + " bytes: split it into several requests";
    }

    private void ingest(HttpExchange x, byte[] body, boolean json) throws IOException {
        long now = System.currentTimeMillis();
        PointDecoder decoder = new PointDecoder();
        MutablePoint point = new MutablePoint();
        List<Map<String, Object>> errors = new ArrayList<>();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        List<String> sensors = tally == null ? null : new ArrayList<>();
        List<Long> times = tally == null ? null : new ArrayList<>();
        if (lineCount(body) > limits.maxLines()) {
            // Checked before anything is sent: a refused request leaves nothing behind.
            HttpService.sendJson(x, 413, Map.of("error", "more than " + limits.maxLines()
                    + " lines in one request: split it into several requests"));
            return;
        }
        int lineNo = 0;
        long bad = 0;
        int start = 0;
        while (start < body.length) {
            int end = start;
            while (end < body.length && body[end] != '\n') {
                end++;
            }
            lineNo++;
            int stop = end > start && body[end - 1] == '\r' ? end - 1 : end;
            byte[] line = java.util.Arrays.copyOfRange(body, start, stop);
            start = end + 1;
            if (isBlank(line) || (!json && lineNo == 1 && PointDecoder.isCsvHeader(line))) {
                continue;
            }
            try {
                String sensor = decoder.decodeLine(line, json, now, point);
                sent.add(producer.send(new ProducerRecord<>(topic, null, now, sensor.getBytes(StandardCharsets.UTF_8),
                        BinaryPoint.encode(point.timestamp(), point.value()))));
                if (tally != null) {
                    sensors.add(sensor);
                    times.add(point.timestamp());
                }
            } catch (MalformedPointException e) {
                bad++;
                if (errors.size() < MAX_ERRORS_LISTED) {
                    Map<String, Object> err = new LinkedHashMap<>();
                    err.put("line", lineNo);
                    err.put("reason", e.getMessage());
                    errors.add(err);
                }
            }
        }
        long ok = 0;
        String failure = null;
        for (int i = 0; i < sent.size(); i++) {
            try {
                sent.get(i).get();
                ok++;
                if (tally != null) {
                    tally.acked(sensors.get(i), times.get(i));
                }
            } catch (ExecutionException e) {
                failure = e.getCause().getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = "interrupted";
                break;
            }
        }
        accepted.add(ok);
        rejected.add(bad);
        if (failure != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("error", "Kafka did not take every point (" + failure + "); retry the request");
            r.put("acknowledged", ok);
            HttpService.sendJson(x, 503, r);
            return;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("accepted", ok);
        r.put("rejected", bad);
        r.put("errors", errors);
        if (bad > errors.size()) {
            r.put("errors_listed", errors.size());
        }
        HttpService.sendJson(x, 200, r);
    }

    /** Lines in the body, counting a last line without its end of line. */
    private static long lineCount(byte[] body) {
        long n = 0;
        for (byte b : body) {
            if (b == '\n') {
                n++;
            }
        }
        return body.length > 0 && body[body.length - 1] != '\n' ? n + 1 : n;
    }

    /** True for NDJSON, false for CSV, null for anything else. */
    static Boolean format(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semi = contentType.indexOf(';');
        String base = (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        return switch (base) {
            case "application/x-ndjson", "application/ndjson", "application/json" -> Boolean.TRUE;
            case "text/csv", "application/csv" -> Boolean.FALSE;
            default -> null;
        };
    }

    private boolean authorized(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(token, header.substring(7).strip().getBytes(StandardCharsets.UTF_8));
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static byte[] readAtMost(InputStream in, long max) throws IOException {
        return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max));
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
