package io.kpipe.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The dashboard: {@code GET /} a page of live charts (uPlot, served from this process: it works
 * offline), refreshed every second from {@code GET /api/stats} (JSON from {@code stats}).
 */
public final class Dashboard {
    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
    private final byte[] page = resource("kpipe/dashboard.html");
    private final byte[] script = resource(UPLOT + "uPlot.iife.min.js");
    private final byte[] css = resource(UPLOT + "uPlot.min.css");
    private final Supplier<Map<String, Object>> stats;

    private Dashboard(Supplier<Map<String, Object>> stats) {
        this.stats = stats;
    }

    public static Dashboard on(HttpService http, Supplier<Map<String, Object>> stats) {
        Dashboard d = new Dashboard(stats);
        http.route("/", d::page);
        http.route("/assets/", d::asset);
        http.route("/api/stats", d::stats);
        return d;
    }

    private void page(HttpExchange x) throws IOException {
        try (x) {
            if (!x.getRequestURI().getPath().equals("/")) {
                HttpService.sendJson(x, 404, Map.of("error", "no such resource: " + x.getRequestURI().getPath()));
                return;
            }
            HttpService.send(x, 200, "text/html; charset=utf-8", page);
        }
    }

    private void asset(HttpExchange x) throws IOException {
        try (x) {
            switch (x.getRequestURI().getPath()) {
                case "/assets/uPlot.iife.min.js" -> HttpService.send(x, 200, "text/javascript; charset=utf-8", script);
                case "/assets/uPlot.min.css" -> HttpService.send(x, 200, "text/css; charset=utf-8", css);
                default -> HttpService.sendJson(x, 404, Map.of("error", "no such asset: " + x.getRequestURI().getPath()));
            }
        }
    }

    private void stats(HttpExchange x) throws IOException {
        try (x) {
            x.getResponseHeaders().set("Cache-Control", "no-store");
            HttpService.sendJson(x, 200, stats.get());
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
