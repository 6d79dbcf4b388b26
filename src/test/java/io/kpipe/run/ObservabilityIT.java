package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.ProcessorConfig.Guarantee;
import io.kpipe.config.RunConfig;
import io.kpipe.config.TopicSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One short {@code kpipe run} with its HTTP server: points ingested over HTTP during the run are
 * in the books; a /metrics scrape at the end matches the summary; headless Chromium loads the
 * dashboard during the run and its charts got data (a screenshot goes to
 * {@code target/dashboard.png}).
 */
@Tag("integration")
@Timeout(300)
class ObservabilityIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern URL = Pattern.compile("HTTP: (http://127\\.0\\.0\\.1:\\d+) \\(dashboard\\)");
    private static final boolean CHROMIUM = installed();
    private final HttpClient client = HttpClient.newHttpClient();

    private static boolean installed() {
        try {
            return new ProcessBuilder("chromium", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The text written so far, for the test to find the URL in while the run goes on. */
    private static final class Capture extends Writer {
        final StringBuffer text = new StringBuffer();

        @Override
        public void write(char[] c, int off, int len) {
            text.append(c, off, len);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    @Test
    void shouldServeIngestMetricsAndADashboardThatAgreeWithTheRun() throws Exception {
        RunConfig config = RunConfig.builder()
                .cluster(ClusterConfig.ofBrokers(1))
                .topics(new TopicSettings("", 6, 0))
                .guarantee(Guarantee.EXACTLY_ONCE_V2)
                .threads(1)
                .duration(Duration.ofSeconds(25))
                .rate(10_000)
                .sensors(500)
                .invalidRatio(0.01)
                .lateRatio(0.005)
                .drainTimeout(Duration.ofSeconds(120))
                .sink(RunConfig.Sink.EMBEDDED)
                .httpPort(0)
                .ingestToken("t0ken")
                .build();
        Capture out = new Capture();
        Map<String, Double> scraped = new HashMap<>();
        List<String> scrapeText = new ArrayList<>();

        CompletableFuture<String> duringRun = CompletableFuture.supplyAsync(() -> {
            try {
                return whileRunning(out);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        RunSummary s = new PipelineRun(config, new PrintWriter(out, true)).execute(summary -> {
            try {
                String url = url(out);
                String text = client.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).GET().build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                scrapeText.add(text);
                scraped.putAll(parse(text));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }).summary();
        String dom = duringRun.get(10, TimeUnit.SECONDS);

        assertThat(s.ok()).as(s.describe()).isTrue();
        assertThat(s.ingested()).isEqualTo(100);
        assertThat(s.lost()).isZero();
        assertThat(s.duplicated()).isZero();
        // The scrape agrees with the summary, series by series.
        assertThat(scraped.get("kpipe_points_processed_total")).isEqualTo((double) (s.aggregated() + s.late() + s.dlq()));
        assertThat(scraped.get("kpipe_points_dead_letter_total")).isEqualTo((double) s.dlq()).isPositive();
        assertThat(scraped.get("kpipe_points_late_total")).isEqualTo((double) s.late()).isPositive();
        assertThat(scraped.get("kpipe_alerts_total")).isEqualTo((double) s.alerts()).isPositive();
        assertThat(scraped.get("kpipe_points_ingested_total")).isEqualTo(100.0);
        assertThat(scraped.get("kpipe_points_generated_total")).isEqualTo((double) s.produced());
        assertThat(scraped.get("kpipe_ingest_rejected_lines_total")).isEqualTo(1.0);
        assertThat(scraped.get("kpipe_latency_seconds_count")).isEqualTo((double) s.aggregated());
        assertThat(scraped.get("kpipe_latency_seconds_bucket{le=\"+Inf\"}")).isEqualTo((double) s.aggregated());
        assertThat(scraped.get("kpipe_sink_rows_total{sink=\"postgres\"}")).isEqualTo((double) s.sink().rowsWritten());
        assertThat(scraped.get("kpipe_consumer_lag_points{partition=\"0\"}")).isNotNull();
        assertThat(scrapeText.get(0)).contains("# TYPE kpipe_latency_seconds histogram", "jvm_memory_used_bytes{",
                "kafka_producer_record_send_total{", "kafka_stream_");
        // The dashboard drew its four charts from live samples, with the broker up.
        Assumptions.assumeTrue(CHROMIUM, "chromium is not installed (apt-get install chromium; .ci/run does): "
                + "ingest and metrics were checked, the dashboard was not loaded");
        assertThat(attr(dom, "data-charts")).isEqualTo("4");
        assertThat(Long.parseLong(attr(dom, "data-samples"))).isGreaterThanOrEqualTo(3);
        assertThat(Long.parseLong(attr(dom, "data-max-in"))).isPositive();
        assertThat(Long.parseLong(attr(dom, "data-max-out"))).isPositive();
        assertThat(attr(dom, "data-brokers")).isEqualTo("1:up");
        assertThat(Path.of("target/dashboard.png")).isNotEmptyFile();
    }

    /** During the run: ingest 100 points (and one bad line), then load the dashboard in Chromium. */
    private String whileRunning(Capture out) throws Exception {
        String url = url(out);
        long now = System.currentTimeMillis();
        String body = IntStream.range(0, 100).mapToObj(i -> "{\"sensor\":\"ext-" + i % 10 + "\",\"ts\":" + now + ",\"value\":" + i + "}")
                .collect(Collectors.joining("\n", "", "\n{\"sensor\":\"ext-1\"}\n"));
        HttpResponse<String> denied = client.send(HttpRequest.newBuilder(URI.create(url + "/ingest"))
                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(denied.statusCode()).isEqualTo(401);
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url + "/ingest"))
                .header("Content-Type", "application/x-ndjson").header("Authorization", "Bearer t0ken")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("accepted").asLong()).isEqualTo(100);
        // Wait for a few samples, then let the page run for 5 s (virtual time) and dump its DOM.
        await("samples on /api/stats").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> JSON.readTree(get(url + "/api/stats")).get("samples").size() >= 4);
        if (!CHROMIUM) {
            return "";
        }
        Path png = Path.of("target/dashboard.png").toAbsolutePath();
        Files.deleteIfExists(png);
        chromium("--screenshot=" + png, "--window-size=1400,1000", url + "/");
        return chromium("--dump-dom", url + "/");
    }

    private static String chromium(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--virtual-time-budget=5000"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not finish in 60 s");
        }
        assertThat(p.exitValue()).as("chromium " + args[0]).isZero();
        return stdout;
    }

    private String get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String url(Capture out) {
        Matcher m = URL.matcher("");
        await("the HTTP line").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                .until(() -> m.reset(out.text).find());
        return m.group(1);
    }

    private static String attr(String dom, String name) {
        Matcher m = Pattern.compile("id=\"state\"[^>]*" + name + "=\"([^\"]*)\"").matcher(dom);
        assertThat(m.find()).as(name + " in " + dom).isTrue();
        return m.group(1);
    }

    /** Prometheus text: series (name with labels) to value. */
    private static Map<String, Double> parse(String text) {
        Map<String, Double> m = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
        }
        return m;
    }
}
