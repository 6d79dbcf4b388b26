package io.kpipe.http;

import com.sun.net.httpserver.HttpExchange;
import io.kpipe.config.KafkaConnection;
import io.kpipe.model.BinaryPoint;
import io.kpipe.model.MutablePoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * {@code sensor,ts,value}); each line is a point as in docs/pipeline.md, {@code ts} optional (the time
 * of the request stands in), read by {@link IngestBody}. Valid lines go to {@code points} (binary, keyed by sensor, acks=all) and
 * are acknowledged by Kafka before the response; invalid lines are not produced but listed in the
 * response with their line number and reason:
 * <pre>{"accepted": 998, "rejected": 2, "errors": [{"line": 7, "reason": "value is NaN"}, ...]}</pre>
 * 200 when the body was read (even if every line was rejected); 401 without the bearer token
 * (when one is set); 405 for a method other than POST; 413 over the body size or line limits;
 * 415 for another content type; 503 when the run is over, and 503 with {@code Retry-After} when
 * Kafka did not take every point within {@link #KAFKA_DEADLINE} (10 s, 15 s at the worst: see
 * {@link #MAX_BLOCK_MS}). The thread is then free for the next request; the points of a 503 request
 * may or may not be in {@code points} (those already sent may still be written, until the producer's
 * delivery timeout), so the client retries and a point may be there twice: at-least-once.
 * {@link #accepted()} counts every point Kafka acknowledged, including those of a 503 request.
 */
public final class IngestApi implements AutoCloseable {
    /** Reasons listed per response at most; the counts are always complete. */
    static final int MAX_ERRORS_LISTED = 1000;

    /**
     * Time Kafka has to take a request's points, from the end of its body: past it the request
     * answers 503 and its thread serves the next one. A healthy cluster acknowledges within
     * milliseconds (linger 5 ms); 10 s ride out a leader election, not an outage.
     */
    static final Duration KAFKA_DEADLINE = Duration.ofSeconds(10);

    /**
     * The producer's max.block.ms: how long one {@code send} may wait for metadata or buffer space.
     * A send started just before the deadline ends at most this much after it (so a request waits
     * for Kafka 15 s at the worst); an unreachable cluster fails the first send after this long.
     */
    private static final int MAX_BLOCK_MS = 5_000;

    /**
     * The producer's delivery.timeout.ms: a point of a request that got 503 may still be written
     * until then; after it the producer has given it up and its buffer space is free again.
     */
    private static final int DELIVERY_TIMEOUT_MS = 20_000;

    /** Seconds a client is told to wait after a 503 for Kafka: a leader election or a restart. */
    static final int KAFKA_RETRY_AFTER_SECONDS = 5;

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
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, DELIVERY_TIMEOUT_MS,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS)), new ByteArraySerializer(), new ByteArraySerializer());
        IngestApi api = new IngestApi(producer, topic, token, limits, tally);
        http.route("/ingest", api::handle);
        return api;
    }

    public Producer<byte[], byte[]> producer() {
        return producer;
    }

    /** Points acknowledged by Kafka since start, whatever the answer to their request was. */
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
        if (IngestBody.lineCount(body) > limits.maxLines()) {
            // Checked before anything is sent: a refused request leaves nothing behind.
            HttpService.sendJson(x, 413, Map.of("error", "more than " + limits.maxLines()
                    + " lines in one request: split it into several requests"));
            return;
        }
        long deadline = System.nanoTime() + KAFKA_DEADLINE.toNanos();
        Batch batch = send(body, json, deadline);
        rejected.add(batch.bad);
        await(batch, deadline);
        long ok = batch.acknowledged;
        String failure = batch.failure;
        if (failure != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("error", "Kafka did not take every point within " + KAFKA_DEADLINE.toSeconds() + " s (" + failure
                    + "); retry the request: points of this request may already be in Kafka (at-least-once)");
            r.put("acknowledged", ok);
            HttpService.sendRetryLater(x, KAFKA_RETRY_AFTER_SECONDS, r);
            return;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("accepted", ok);
        r.put("rejected", batch.bad);
        r.put("errors", batch.errors);
        if (batch.bad > batch.errors.size()) {
            r.put("errors_listed", batch.errors.size());
        }
        HttpService.sendJson(x, 200, r);
    }

    /** What {@link #send} did with a body: the sends, the rejected lines, and why it stopped early (or null). */
    private static final class Batch {
        final List<Future<RecordMetadata>> sent = new ArrayList<>();
        final List<Map<String, Object>> errors = new ArrayList<>();
        long bad;
        long acknowledged;
        String failure;

        void reject(int lineNo, String reason) {
            bad++;
            if (errors.size() < MAX_ERRORS_LISTED) {
                Map<String, Object> err = new LinkedHashMap<>();
                err.put("line", lineNo);
                err.put("reason", reason);
                errors.add(err);
            }
        }
    }

    /**
     * Sends the body's valid lines until the deadline or the first send Kafka refused (an unreachable
     * cluster fails each send only after max.block.ms: going on would block once per line).
     */
    private Batch send(byte[] body, boolean json, long deadline) {
        Sender sender = new Sender(System.currentTimeMillis(), deadline);
        IngestBody.read(body, json, sender.now, sender);
        return sender.batch;
    }

    /** Produces each point of one request as {@link IngestBody} reads it, and keeps its rejects. */
    private final class Sender implements IngestBody.Lines {
        final Batch batch = new Batch();
        final long now;
        final long deadline;

        Sender(long now, long deadline) {
            this.now = now;
            this.deadline = deadline;
        }

        @Override
        public boolean point(String sensor, MutablePoint point) {
            if (System.nanoTime() - deadline >= 0) {
                batch.failure = "not all points sent before the deadline";
                return false;
            }
            long timestamp = point.timestamp();
            Future<RecordMetadata> f = producer.send(new ProducerRecord<>(topic, null, now,
                    sensor.getBytes(StandardCharsets.UTF_8), BinaryPoint.encode(timestamp, point.value())),
                    (metadata, e) -> acked(e, sensor, timestamp));
            batch.sent.add(f);
            if (f.isDone()) {
                // Refused: it waited max.block.ms for metadata or buffer space in vain, as the next would.
                String refused = failureOf(f);
                if (refused != null) {
                    batch.failure = refused;
                    return false;
                }
            }
            return true;
        }

        @Override
        public void reject(int lineNo, String reason) {
            batch.reject(lineNo, reason);
        }
    }

    /**
     * Counted when Kafka acknowledges, also after the request's deadline: a point of a request that
     * got 503 may still be written, and then it is in the books like any other.
     */
    private void acked(Exception e, String sensor, long timestamp) {
        if (e == null) {
            accepted.increment();
            if (tally != null) {
                tally.acked(sensor, timestamp);
            }
        }
    }

    /**
     * Counts the acknowledged sends, waiting for each until the deadline as long as none failed;
     * sets the batch's failure to the first reason.
     */
    private static void await(Batch batch, long deadline) {
        for (Future<RecordMetadata> f : batch.sent) {
            if (batch.failure != null) {
                // Not waited for: they tell the client how many were in before the answer.
                batch.acknowledged += f.isDone() && failureOf(f) == null ? 1 : 0;
                continue;
            }
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                batch.acknowledged++;
            } catch (ExecutionException e) {
                batch.failure = e.getCause().getMessage();
            } catch (TimeoutException e) {
                batch.failure = "not acknowledged before the deadline";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                batch.failure = "interrupted";
            }
        }
    }

    /** The reason a completed send failed, or null if it succeeded. */
    private static String failureOf(Future<RecordMetadata> f) {
        try {
            f.get(0, TimeUnit.NANOSECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause().getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (TimeoutException e) {
            return "not acknowledged";
        }
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
