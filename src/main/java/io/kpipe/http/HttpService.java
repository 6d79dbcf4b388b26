package io.kpipe.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.kpipe.config.UsageException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one HTTP server of a kpipe process (JDK {@code HttpServer} on 127.0.0.1, {@code --http-port};
 * 0 picks a free port). Parts register their paths on it: the query API, ingest, metrics, the
 * dashboard. Errors are JSON {@code {"error": "..."}}.
 */
public final class HttpService implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final int THREADS = 8;

    static {
        // Without TCP_NODELAY, a response's headers and body leave in two packets and the second waits
        // for the client's delayed ACK: about 40 ms per request (measured with wrk: 52 ms -> see docs).
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private HttpService(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds {@code host:port} and serves; a port in use is the user's to fix: one line naming the flag. */
    public static HttpService start(String host, int port) {
        UsageException.require(port >= 0 && port <= 65535, "--http-port", "must be 0..65535, got " + port);
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
            AtomicInteger n = new AtomicInteger();
            ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
                Thread t = new Thread(r, "kpipe-http-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(executor);
            server.start();
            HttpService service = new HttpService(server, executor);
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
        server.createContext(path, handler);
        return this;
    }

    private void safeRemove(String path) {
        try {
            server.removeContext(path);
        } catch (IllegalArgumentException ignored) {
            // Not registered.
        }
    }

    /** {@code host:port} this server listens on. */
    public String address() {
        return server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    }

    public String url() {
        return "http://" + address();
    }

    static void sendJson(HttpExchange x, int status, Object body) throws IOException {
        send(x, status, "application/json", JSON.writeValueAsBytes(body));
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
        executor.shutdownNow();
    }
}
