package io.kpipe.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.kpipe.config.HttpEndpoint;
import io.kpipe.config.UsageException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The one HTTP server of a kpipe process (JDK {@code HttpServer} on 127.0.0.1, {@code --http-port};
 * 0 picks a free port; or {@code HttpsServer} on the address of {@code --http-bind} with the key
 * of {@code --http-tls}: {@link HttpEndpoint}). Parts register their paths on it: the query API,
 * ingest, metrics, the dashboard. Errors are JSON {@code {"error": "..."}}.
 *
 * <p>No client can hold the server: every request has a deadline and the queue has a bound.
 * <pre>
 * accept ──► first byte ──► pool: 8 threads, 32 queued ──► handler (reads the body, answers)
 *                              │ full
 *                              ▼
 *                           overflow: 2 threads, 16 queued ──► 503 + Retry-After (/metrics is served)
 *                              │ full
 *                              ▼
 *                           connection closed
 * request line + headers + body: 30 s from the first byte, then the connection is closed
 * handler + response write:      30 s from the end of the body, then the connection is closed
 * </pre>
 */
public final class HttpService implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Eight workers serve the load test's 8 connections at 1M points/s (docs/observability.md); 32
     * queued requests are four per worker: beyond that a prompt 503 serves a client better than a
     * wait behind a backlog it cannot see.
     */
    static final RequestPool.Capacity CAPACITY = new RequestPool.Capacity(8, 32);

    /**
     * Seconds from a request's first byte until its whole body must have arrived. The server listens
     * on 127.0.0.1, where 16 MB (ingest's default body limit) take milliseconds; 30 s also allow a
     * slow local proxy, and end a slow client (slowloris) that would otherwise hold a worker for ever.
     */
    static final long MAX_REQUEST_SECONDS = 30;

    /**
     * Seconds from the end of the body until the response is written: the handler's work (ingest
     * waits for Kafka 15 s at the worst, a remote query 15 s) and the write, which a client that
     * stops reading its response would otherwise block for ever.
     */
    static final long MAX_RESPONSE_SECONDS = 30;

    /** Seconds a client is told to wait when the queue is full: workers free up within a request's time. */
    static final int BUSY_RETRY_AFTER_SECONDS = 1;

    /**
     * Served even from an overflow thread: cheap (no body, rendered from memory) and wanted most
     * when the server is overloaded.
     */
    private static final Set<String> ALWAYS_SERVED = Set.of("/metrics");

    static {
        // The JDK server reads these once, when its classes load (sun.net.httpserver.ServerConfig),
        // so they are set before the first server starts; a value the user gave with -D wins.
        // Without TCP_NODELAY, a response's headers and body leave in two packets and the second waits
        // for the client's delayed ACK: about 40 ms per request (measured with wrk: 52 ms -> see docs).
        setDefault("sun.net.httpserver.nodelay", "true");
        // A connection is in the JDK's "request" state from its first byte until the handler has read
        // the body to its end (FixedLengthInputStream/ChunkedInputStream report completion), so this
        // one deadline covers slow headers and a slow body alike: a timer closes the socket, and a
        // worker blocked reading it gets an IOException and is free. It is a deadline for the whole
        // request, not a per-read timeout, which a client could defeat with a byte now and then.
        setDefault("sun.net.httpserver.maxReqTime", Long.toString(MAX_REQUEST_SECONDS));
        // The "response" state lasts from the end of the body until the exchange is closed.
        setDefault("sun.net.httpserver.maxRspTime", Long.toString(MAX_RESPONSE_SECONDS));
        // Left at the JDK's defaults, as they hold no thread: a connection that has sent nothing
        // waits in the selector and is closed after min(idleInterval, maxReqTime); an idle
        // keep-alive one after idleInterval (30 s), beyond maxIdleConnections (200) at once;
        // maxReqHeaders (200) and maxReqHeaderSize (380 KB) bound what one request's headers take.
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    private final HttpServer server;
    private final RequestPool pool;
    private final SSLContext clientTls;
    private final String host;

    private HttpService(HttpServer server, RequestPool pool, SSLContext clientTls, String bind) {
        this.server = server;
        this.pool = pool;
        this.clientTls = clientTls;
        this.host = bind.contains(":") ? "[" + bind + "]" : bind;
    }

    /** Binds {@code host:port} and serves plain HTTP; a port in use is the user's to fix: one line naming the flag. */
    public static HttpService start(String host, int port) {
        return start(new HttpEndpoint(host, null, null), port, CAPACITY);
    }

    /** Binds {@code endpoint}'s address on {@code port} and serves HTTP, or HTTPS with its keystore. */
    public static HttpService start(HttpEndpoint endpoint, int port) {
        return start(endpoint, port, CAPACITY);
    }

    /** As {@link #start(String, int)} with another capacity (tests make it small). */
    static HttpService start(String host, int port, RequestPool.Capacity capacity) {
        return start(new HttpEndpoint(host, null, null), port, capacity);
    }

    private static HttpService start(HttpEndpoint endpoint, int port, RequestPool.Capacity capacity) {
        UsageException.require(port >= 0 && port <= 65535, "--http-port", "must be 0..65535, got " + port);
        String host = endpoint.bind();
        Tls tls = endpoint.tls() ? Tls.of(endpoint) : null;
        try {
            InetSocketAddress address = new InetSocketAddress(host, port);
            HttpServer server;
            if (tls != null) {
                HttpsServer https = HttpsServer.create(address, 0);
                https.setHttpsConfigurator(new HttpsConfigurator(tls.server()));
                server = https;
            } else {
                server = HttpServer.create(address, 0);
            }
            RequestPool pool = new RequestPool(capacity);
            server.setExecutor(pool);
            server.start();
            HttpService service = new HttpService(server, pool, tls == null ? null : tls.client(), host);
            service.route("/", x -> {
                try (x) {
                    sendJson(x, 404, Map.of("error", "no such resource: " + x.getRequestURI().getPath()));
                }
            });
            return service;
        } catch (IOException e) {
            throw new UsageException("--http-port", "cannot listen on " + host + ":" + port + " (" + e.getMessage() + ")");
        }
    }

    /** Serves {@code path} and everything under it (the longest registered prefix wins). */
    public HttpService route(String path, HttpHandler handler) {
        safeRemove(path);
        server.createContext(path, ALWAYS_SERVED.contains(path) ? handler : x -> {
            if (RequestPool.overflowing()) {
                busy(x);
            } else {
                handler.handle(x);
            }
        });
        return this;
    }

    private void busy(HttpExchange x) throws IOException {
        try (x) {
            RequestPool.Capacity c = pool.capacity();
            sendRetryLater(x, BUSY_RETRY_AFTER_SECONDS, Map.of("error", "server busy: all " + c.threads() + " workers and "
                    + c.queue() + " queue places are taken; retry after " + BUSY_RETRY_AFTER_SECONDS + " s"));
        }
    }

    /** Requests waiting for a worker. */
    int queued() {
        return pool.queued();
    }

    private void safeRemove(String path) {
        try {
            server.removeContext(path);
        } catch (IllegalArgumentException ignored) {
            // Not registered.
        }
    }

    /**
     * {@code host:port}: the address as {@code --http-bind} gave it (an IPv6 one in brackets), since
     * the socket reports a wildcard such as 0.0.0.0 as {@code ::}; the port the server got.
     */
    public String address() {
        return host + ":" + server.getAddress().getPort();
    }

    /** The port the server got (the one asked for, or a free one for 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return scheme() + "://" + address();
    }

    /** {@code https} with {@code --http-tls}, else {@code http}. */
    public String scheme() {
        return clientTls != null ? "https" : "http";
    }

    /**
     * For a client of another instance of this server (query forwarding): TLS that trusts the
     * certificates of this server's keystore; null for plain HTTP.
     */
    SSLContext clientTls() {
        return clientTls;
    }

    /** The server's TLS, from the keystore, and a client's that trusts the keystore's certificates. */
    private record Tls(SSLContext server, SSLContext client) {
        static Tls of(HttpEndpoint endpoint) {
            char[] password = endpoint.keystorePassword().toCharArray();
            KeyStore keys;
            try {
                keys = KeyStore.getInstance(endpoint.keystore().toFile(), password);
            } catch (IOException | GeneralSecurityException e) {
                // A wrong password shows as an IOException caused by an UnrecoverableKeyException.
                boolean wrongPassword = e.getCause() instanceof java.security.UnrecoverableKeyException;
                throw new UsageException(wrongPassword ? "--http-tls-password-file" : "--http-tls",
                        "cannot open the keystore " + endpoint.keystore() + " (" + e.getMessage() + ")");
            }
            try {
                KeyManagerFactory km = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                km.init(keys, password);
                SSLContext server = SSLContext.getInstance("TLS");
                server.init(km.getKeyManagers(), null, null);
                TrustManagerFactory tm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tm.init(keys);
                SSLContext client = SSLContext.getInstance("TLS");
                client.init(null, tm.getTrustManagers(), null);
                return new Tls(server, client);
            } catch (GeneralSecurityException e) {
                throw new UsageException("--http-tls", "cannot serve TLS with the keystore " + endpoint.keystore()
                        + " (" + e.getMessage() + ")");
            }
        }
    }

    static void sendJson(HttpExchange x, int status, Object body) throws IOException {
        send(x, status, "application/json", JSON.writeValueAsBytes(body));
    }

    /** 503 with {@code Retry-After}: the client should send the same request again after that many seconds. */
    static void sendRetryLater(HttpExchange x, int retryAfterSeconds, Object body) throws IOException {
        x.getResponseHeaders().set("Retry-After", Integer.toString(retryAfterSeconds));
        sendJson(x, 503, body);
    }

    static void send(HttpExchange x, int status, String contentType, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", contentType);
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
