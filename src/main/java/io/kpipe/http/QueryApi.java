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
 * to the owner (one hop, marked so it is never forwarded again). Errors are JSON
 * {@code {"error": "..."}}: 404 for a sensor without windows, 400 for bad parameters, 503 while the
 * owner is not known (a rebalance).
 */
public final class QueryApi {
    private static final String FORWARDED = "X-Kpipe-Forwarded";

    private final HttpService http;
    private final HttpClient client;
    private volatile PointProcessor processor;

    private QueryApi(HttpService http) {
        this.http = http;
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
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

    private String address() {
        return http.address();
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
            String owner = p == null ? null : p.owner(sensor);
            if (owner == null) {
                send(x, 503, Map.of("error", "the owner of sensor '" + sensor + "' is not known yet (starting or rebalancing); retry"));
                return;
            }
            if (!owner.equals(address()) && x.getRequestHeaders().getFirst(FORWARDED) == null) {
                forward(x, owner);
                return;
            }
            List<WindowResult> windows = p.live().windows(sensor, from, to);
            if (windows == null) {
                send(x, 404, Map.of("error", "unknown sensor '" + sensor + "': no windows for it"));
                return;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("sensor", sensor);
            body.put("served_by", address());
            body.put("windows", windows);
            send(x, 200, body);
        } catch (RuntimeException e) {
            send(x, 500, Map.of("error", String.valueOf(e.getMessage())));
        }
    }

    private void forward(HttpExchange x, String owner) throws IOException {
        URI uri = URI.create(http.scheme() + "://" + owner + x.getRequestURI().getRawPath()
                + (x.getRequestURI().getRawQuery() == null ? "" : "?" + x.getRequestURI().getRawQuery()));
        try {
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri).header(FORWARDED, address())
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.sendResponseHeaders(r.statusCode(), r.body().length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(r.body());
            }
        } catch (IOException e) {
            send(x, 502, Map.of("error", "the owner " + owner + " did not answer: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(x, 503, Map.of("error", "interrupted"));
        }
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
