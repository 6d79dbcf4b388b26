package io.kpipe.http;

import com.sun.net.httpserver.HttpExchange;
import io.kpipe.model.WindowResult;
import io.kpipe.process.LiveWindows;
import io.kpipe.process.PointProcessor;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The processor's HTTP API (JDK {@code HttpServer}, on 127.0.0.1 by default):
 * <pre>
 * GET /api/sensors/{id}                       the sensor's latest windows (as of the last commit)
 * GET /api/sensors/{id}/windows?from=&to=     its windows starting in [from, to): epoch ms or ISO-8601
 * </pre>
 * A sensor's windows live in the instance that owns its partition; any instance answers, forwarding
 * to the owner at the address it advertises ({@code application.server}, {@link AdvertisedHost}; one
 * hop, marked so it is never forwarded again). Errors are JSON {@code {"error": "..."}}: 400 for bad
 * parameters; 503 with {@code Retry-After} (seconds) while the answer cannot be known: this instance
 * is starting, rebalancing or stopped, the owner is not in the metadata yet, or it does not answer
 * ({@link QueryRoute}); 404 only for a sensor without windows on its owner, with the metadata settled
 * and the sensor's partition held by this instance (not merely named as its owner by the metadata).
 */
public final class QueryApi {
    private static final String FORWARDED = "X-Kpipe-Forwarded";
    /** Connecting to the owner: seconds mean it is gone or cut off (a partition drops packets, no reset). */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** The whole forwarded request; the owner answers from memory. */
    private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(10);

    private final HttpService http;
    private final HttpClient client;
    private volatile PointProcessor processor;

    private QueryApi(HttpService http) {
        this.http = http;
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT);
        if (http.clientTls() != null) {
            // Instances of one application share a keystore: the owner's certificate is one of ours.
            client.sslContext(http.clientTls());
        }
        this.client = client.build();
    }

    /** Serves {@code /api/sensors/} on {@code http}; attach the processor once it exists (503 until then). */
    public static QueryApi on(HttpService http) {
        QueryApi api = new QueryApi(http);
        http.route("/api/sensors/", api::sensors);
        return api;
    }

    public void attach(PointProcessor p) {
        this.processor = p;
    }

    private void sensors(HttpExchange x) throws IOException {
        try (x) {
            if (!x.getRequestMethod().equals("GET")) {
                send(x, 405, Map.of("error", "only GET is allowed"));
                return;
            }
            String rest = x.getRequestURI().getRawPath().substring("/api/sensors/".length());
            String[] parts = rest.split("/", -1);
            String sensor = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            if (sensor.isEmpty() || parts.length > 2 || parts.length == 2 && !parts[1].equals("windows")) {
                send(x, 404, Map.of("error", "no such resource: " + x.getRequestURI().getPath()
                        + "; use /api/sensors/{id} or /api/sensors/{id}/windows?from=&to="));
                return;
            }
            long from = Long.MIN_VALUE;
            long to = Long.MAX_VALUE;
            if (parts.length == 2) {
                Map<String, String> q = query(x.getRequestURI().getRawQuery());
                try {
                    from = q.containsKey("from") ? time(q.get("from")) : Long.MIN_VALUE;
                    to = q.containsKey("to") ? time(q.get("to")) : Long.MAX_VALUE;
                } catch (IllegalArgumentException e) {
                    send(x, 400, Map.of("error", e.getMessage()));
                    return;
                }
                if (from > to) {
                    send(x, 400, Map.of("error", "from is after to"));
                    return;
                }
            }
            PointProcessor p = processor;
            String forwardedBy = x.getRequestHeaders().getFirst(FORWARDED);
            QueryRoute route = route(p, sensor, forwardedBy);
            switch (route.kind()) {
                case RETRY -> retryLater(x, route);
                case FORWARD -> forward(x, p, sensor, route.owner());
                case HERE -> answer(x, p, sensor, from, to, forwardedBy);
            }
        } catch (RuntimeException e) {
            send(x, 500, Map.of("error", String.valueOf(e.getMessage())));
        }
    }

    private QueryRoute route(PointProcessor p, String sensor, String forwardedBy) {
        return p == null ? QueryRoute.decide(null, () -> null, null, partition -> false, sensor, forwardedBy)
                : QueryRoute.decide(p.state(), () -> p.owner(sensor), self(p), p.live()::holds, sensor, forwardedBy);
    }

    /** This instance as the others know it: its {@code application.server}. */
    private String self(PointProcessor p) {
        return p.applicationServer() != null ? p.applicationServer() : http.address();
    }

    private void answer(HttpExchange x, PointProcessor p, String sensor, long from, long to, String forwardedBy)
            throws IOException {
        List<WindowResult> windows = p.live().windows(sensor, from, to);
        if (windows == null) {
            // Unknown only if this instance still owns the sensor, settled, after the lookup: a rebalance
            // that began meanwhile may have taken the partition (and its windows) away.
            QueryRoute now = route(p, sensor, forwardedBy);
            if (now.kind() != QueryRoute.Kind.HERE) {
                retryLater(x, now.kind() == QueryRoute.Kind.RETRY ? now : QueryRoute.retry(
                        QueryRoute.REBALANCE_RETRY_AFTER_SECONDS, "the owner of sensor '" + sensor + "' moved to "
                                + now.owner() + " while it was looked up here; retry"));
                return;
            }
            send(x, 404, Map.of("error", "unknown sensor '" + sensor + "': no windows for it"));
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sensor", sensor);
        body.put("served_by", self(p));
        body.put("windows", windows);
        send(x, 200, body);
    }

    private static void retryLater(HttpExchange x, QueryRoute route) throws IOException {
        HttpService.sendRetryLater(x, route.retryAfterSeconds(), Map.of("error", route.reason()));
    }

    /**
     * Asks the owner and relays its answer (status, body, {@code Retry-After}). An owner that does not
     * answer is a rebalance under way or about to be (it left, died, or is cut off): 503, not 502.
     */
    private void forward(HttpExchange x, PointProcessor p, String sensor, String owner) throws IOException {
        URI uri = URI.create(http.scheme() + "://" + owner + x.getRequestURI().getRawPath()
                + (x.getRequestURI().getRawQuery() == null ? "" : "?" + x.getRequestURI().getRawQuery()));
        HttpResponse<byte[]> r;
        try {
            r = client.send(HttpRequest.newBuilder(uri).header(FORWARDED, self(p))
                    .timeout(FORWARD_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            QueryRoute now = route(p, sensor, null);
            retryLater(x, now.kind() == QueryRoute.Kind.RETRY ? now : QueryRoute.retry(
                    QueryRoute.UNREACHABLE_RETRY_AFTER_SECONDS, "the owner of sensor '" + sensor + "', " + owner
                            + ", did not answer (" + describe(e) + "); if it has stopped, the group moves its "
                            + "partitions within the session timeout; retry"));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            retryLater(x, QueryRoute.retry(QueryRoute.REBALANCE_RETRY_AFTER_SECONDS, "interrupted; retry"));
            return;
        }
        r.headers().firstValue("Retry-After").ifPresent(v -> x.getResponseHeaders().set("Retry-After", v));
        x.getResponseHeaders().set("Content-Type", r.headers().firstValue("Content-Type").orElse("application/json"));
        x.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
        if (r.body().length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(r.body());
            }
        }
    }

    /** The exception's class and message: a refused connect has no message of its own on some JDKs. */
    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
    }

    private static long time(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException("'" + s + "' is not a time: use epoch milliseconds or ISO-8601 "
                        + "(e.g. 2026-11-25T13:01:00Z)");
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    q.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static void send(HttpExchange x, int status, Object body) throws IOException {
        HttpService.sendJson(x, status, body);
    }
}
