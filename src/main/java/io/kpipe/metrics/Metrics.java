package io.kpipe.metrics;

import com.sun.net.httpserver.HttpExchange;
import io.kpipe.http.HttpService;
import io.kpipe.http.IngestApi;
import io.kpipe.process.ProcessingStats;
import io.kpipe.sink.PostgresSink;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The metrics of one kpipe process, in a Micrometer Prometheus registry served at
 * {@code GET /metrics} (Prometheus text format). JVM and process metrics are bound always; the
 * parts of the process add theirs: counters read from the live counters the progress line uses
 * (so the scrape and the summary agree), Kafka client and Streams metrics through Micrometer's
 * Kafka binders, the end-to-end latency as a Prometheus histogram
 * ({@code kpipe_latency_seconds}, {@link LatencyHistogram}). Names follow Prometheus conventions:
 * {@code kpipe_points_processed_total}, {@code kpipe_consumer_lag_points{partition="3"}}...
 */
public final class Metrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<AutoCloseable> binders = new ArrayList<>();

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        binders.add(gc);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Serves {@code GET /metrics} on {@code http}. */
    public Metrics serveOn(HttpService http) {
        http.route("/metrics", this::scrape);
        return this;
    }

    private void scrape(HttpExchange x) throws IOException {
        try (x) {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
        }
    }

    /** The text a scrape returns now. */
    public String scrape() {
        return registry.scrape();
    }

    /** A monotonic count read from {@code source} at scrape time; {@code name} without {@code _total}. */
    public <T> Metrics counter(String name, String help, T source, ToDoubleFunction<T> count, String... tags) {
        FunctionCounter.builder(name, source, count).description(help).tags(tags).register(registry);
        return this;
    }

    /** A value read from {@code source} at scrape time. */
    public <T> Metrics gauge(String name, String help, T source, ToDoubleFunction<T> value, String... tags) {
        Gauge.builder(name, source, value).description(help).tags(Tags.of(tags)).strongReference(true).register(registry);
        return this;
    }

    /** The end-to-end latency histogram, {@code name} in seconds, from a cumulative histogram in ms. */
    public Metrics latency(String name, String help, Supplier<Histogram> cumulativeMs) {
        registry.getPrometheusRegistry().register(new LatencyHistogram(name, help, cumulativeMs));
        return this;
    }

    /** A processor's series, read from its live counters: points processed, dead-lettered, late... and latency. */
    public Metrics processing(ProcessingStats stats) {
        return counter("kpipe.points.processed", "Points taken from points: aggregated, dead-lettered or late", stats,
                        ProcessingStats::processed)
                .counter("kpipe.points.dead.letter", "Invalid points sent to points-dlq", stats, ProcessingStats::invalid)
                .counter("kpipe.points.late", "Points past the grace period, sent to points-dlq", stats, ProcessingStats::late)
                .counter("kpipe.points.unknown.sensor", "Points of sensors the device registry does not know", stats,
                        ProcessingStats::unknownSensor)
                .counter("kpipe.alerts", "Alerts sent to the alerts topic", stats, ProcessingStats::alerts)
                .latency("kpipe_latency_seconds", "End-to-end latency: a point's send to its aggregation",
                        stats::totalUpToLastInterval);
    }

    /** HTTP ingest: points accepted, lines rejected, requests. */
    public Metrics ingest(IngestApi ingest) {
        return counter("kpipe.points.ingested", "Points accepted by POST /ingest and acknowledged by Kafka", ingest,
                        IngestApi::accepted)
                .counter("kpipe.ingest.rejected.lines", "Lines POST /ingest rejected", ingest, IngestApi::rejected)
                .counter("kpipe.ingest.requests", "Requests to POST /ingest", ingest, IngestApi::requests);
    }

    /** The PostgreSQL sink: rows written (a window is rewritten at each update), alert rows, retries, rejects. */
    public Metrics postgresSink(PostgresSink sink) {
        return counter("kpipe.sink.rows", "Window rows written to the sink (a window is rewritten at each update)",
                        sink, PostgresSink::rows, "sink", "postgres")
                .counter("kpipe.sink.alert.rows", "Alert rows written to PostgreSQL", sink, PostgresSink::alertRows,
                        "sink", "postgres")
                .counter("kpipe.sink.retries", "Failed PostgreSQL writes retried", sink, PostgresSink::retries,
                        "sink", "postgres")
                .counter("kpipe.sink.batches", "Batches written, one transaction each", sink, PostgresSink::batches,
                        "sink", "postgres")
                .counter("kpipe.sink.rejected", "Records sent to sink_rejects: undecodable, or refused by the "
                        + "database for their data", sink, PostgresSink::rejected, "sink", "postgres");
    }

    /** Kafka Streams metrics (and those of its clients), {@code kafka_stream_*}. */
    public Metrics bind(KafkaStreams streams) {
        KafkaStreamsMetrics m = new KafkaStreamsMetrics(streams);
        m.bindTo(registry);
        binders.add(m);
        return this;
    }

    /** A producer's metrics, {@code kafka_producer_*}. */
    public Metrics bind(Producer<?, ?> producer) {
        KafkaClientMetrics m = new KafkaClientMetrics(producer);
        m.bindTo(registry);
        binders.add(m);
        return this;
    }

    /** A consumer's metrics, {@code kafka_consumer_*}. */
    public Metrics bind(Consumer<?, ?> consumer) {
        KafkaClientMetrics m = new KafkaClientMetrics(consumer);
        m.bindTo(registry);
        binders.add(m);
        return this;
    }

    @Override
    public void close() {
        for (AutoCloseable b : binders) {
            try {
                b.close();
            } catch (Exception ignored) {
                // Closing; nothing to do.
            }
        }
        registry.close();
    }
}
