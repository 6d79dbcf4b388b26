package io.kpipe.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes a benchmark's files: {@code results.json} (everything, with every trial's timeline),
 * {@code report.html} (self-contained: charts of rate in/out, lag and latency over time for every
 * trial, drawn by uPlot, which is inlined) and {@code table.md} (a row to paste).
 */
public final class Report {
    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Report() {}

    public static void write(BenchResult r, Path dir) {
        writeFiles(dir, r, table(r), json -> html(r, json));
    }

    /** The page of a result, from its JSON. */
    interface Page {
        String of(String json) throws IOException;
    }

    /** Every bench's three files in {@code dir}: results.json ({@code result}), table.md and report.html. */
    static void writeFiles(Path dir, Object result, String table, Page page) {
        try {
            Files.createDirectories(dir);
            String json = JSON.writeValueAsString(result);
            Files.writeString(dir.resolve("results.json"), json);
            Files.writeString(dir.resolve("table.md"), table);
            Files.writeString(dir.resolve("report.html"), page.of(json));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + dir, e);
        }
    }

    /** The Markdown table: a header and one row; for a soak, a second table with a row per repeat. */
    public static String table(BenchResult r) {
        StringBuilder b = new StringBuilder();
        b.append("| scenario | guarantee | brokers | points/s median (min-max) | billion points/h | latency p50 / p99 ms | steady from s median (min-max) | recovered after s median (min-max) | yardstick records/s | ratio | lost | dup | valid |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        row(b, r);
        if (r.compared() != null) {
            row(b, r.compared());
            b.append(securityCost(r, r.compared()));
        }
        return b.toString() + SoakReport.table(r);
    }

    /**
     * What the second security mode costs against the first, measured in the same run:
     * {@code sasl_ssl / plaintext: points/s 0.72 (...), latency p99 ...}.
     */
    static String securityCost(BenchResult base, BenchResult other) {
        java.util.List<String> parts = new java.util.ArrayList<>();
        if (base.pointsPerS() != null && other.pointsPerS() != null && base.pointsPerS().median() > 0) {
            parts.add(String.format(Locale.ROOT, "points/s %.2f (median %,.0f against %,.0f)",
                    other.pointsPerS().median() / base.pointsPerS().median(), other.pointsPerS().median(),
                    base.pointsPerS().median()));
        }
        if (base.latencyP99Ms() != null && other.latencyP99Ms() != null) {
            parts.add(String.format(Locale.ROOT, "latency p99 median %.0f ms against %.0f ms",
                    other.latencyP99Ms().median(), base.latencyP99Ms().median()));
        }
        if (base.yardstick() != null && other.yardstick() != null && base.yardstick().median() > 0) {
            parts.add(String.format(Locale.ROOT, "yardstick %.2f", other.yardstick().median() / base.yardstick().median()));
        }
        return "\n" + other.security() + " / " + base.security() + ": " + String.join("; ", parts) + "\n";
    }

    private static void row(StringBuilder b, BenchResult r) {
        var s = r.settings();
        b.append(String.format(Locale.ROOT, "| %s%s%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d | %d | %s |%n",
                r.scenario(), r.security() == null || r.security().equals("plaintext") ? "" : " " + r.security(),
                (s.containsKey("rate") ? String.format(Locale.ROOT, " %,d/s", ((Number) s.get("rate")).longValue()) : "")
                        + (s.get("engine") == null || "streams".equals(s.get("engine")) ? "" : " on " + s.get("engine")),
                s.get("guarantee"), s.get("brokers"),
                r.pointsPerS() == null ? "-" : String.format(Locale.ROOT, "%,.0f (%,.0f-%,.0f)",
                        r.pointsPerS().median(), r.pointsPerS().min(), r.pointsPerS().max()),
                r.pointsPerS() == null ? "-" : String.format(Locale.ROOT, "%.2f", r.pointsPerS().median() * 3600 / 1e9),
                r.latencyP50Ms() == null ? "-" : String.format(Locale.ROOT, "%.0f / %.0f",
                        r.latencyP50Ms().median(), r.latencyP99Ms().median()),
                stats(r.steadyFromS()) + (r.neverSteady() == 0 ? "" : "; never in " + r.neverSteady()),
                stats(r.recoveredAfterS()) + (r.neverRecovered() == 0 ? "" : "; never in " + r.neverRecovered()),
                r.yardstick() == null ? "-" : String.format(Locale.ROOT, "%,.0f", r.yardstick().median()),
                r.ratio() == null ? "-" : String.format(Locale.ROOT, "%.2f", r.ratio()),
                r.lost(), r.duplicated(), r.valid() ? "yes" : "NO"));
    }

    private static String stats(BenchResult.Stats s) {
        return s == null ? "-" : String.format(Locale.ROOT, "%.0f (%.0f-%.0f)", s.median(), s.min(), s.max());
    }

    private static String html(BenchResult r, String json) throws IOException {
        return """
                <!doctype html>
                <html><head><meta charset="utf-8"><title>kpipe bench: %s</title>
                <style>%s
                body{font-family:system-ui,sans-serif;max-width:1200px;margin:1em auto;padding:0 1em}
                table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}
                .charts{display:flex;flex-wrap:wrap;gap:8px}
                </style>
                <script>%s</script></head>
                <body><h1>kpipe bench: %s</h1>
                <p id="machine"></p>
                <pre>%s</pre>
                <div id="trials"></div>
                <script>
                const R = %s;
                document.getElementById('machine').textContent = 'Machine: ' + Object.entries(R.machine)
                  .map(([k, v]) => k + ' ' + v).join(', ') + '. Started ' + R.started + '.';
                const root = document.getElementById('trials');
                %s
                function chart(el, title, t, series) {
                  const opts = {title, width: 380, height: 220, scales: {x: {time: false}},
                    axes: [{label: 's'}, {size: 70}],
                    series: [{label: 't'}].concat(series.map(s => ({label: s.label, stroke: s.color})))};
                  new uPlot(opts, [t].concat(series.map(s => s.data)), el);
                }
                for (const rep of R.repeats.concat(R.compared ? R.compared.repeats : [])) {
                  for (const tr of rep.trials) {
                    const h = document.createElement('h3');
                    h.textContent = 'Repeat ' + rep.index + (rep.security && rep.security !== 'plaintext' ? ' (' + rep.security + ')' : '') + ': ' + tr.rate.toLocaleString() + ' points/s, '
                      + (tr.valid && tr.judgement.kept_up ? 'passed' : 'failed') + ' (' + tr.judgement.reason + ')'
                      + (!tr.summary ? '' : tr.summary.steady_from_s == null ? '; never steady'
                         : '; steady from ' + tr.summary.steady_from_s + ' s')
                      + (!tr.summary ? '' : tr.summary.chaos.map(c => '; ' + c.event + ' at ' + c.at_s + ' s, recovered after '
                         + (c.recovered_after_s == null ? 'never' : c.recovered_after_s + ' s')).join(''));
                    root.appendChild(h);
                    const box = document.createElement('div'); box.className = 'charts'; root.appendChild(box);
                    const tl = tr.timeline, t = tl.map(s => s.t_s);
                    const add = () => { const d = document.createElement('div'); box.appendChild(d); return d; };
                    chart(add(), 'points/s', t, [{label: 'in', color: '#1f77b4', data: tl.map(s => s.in_per_s)},
                                                 {label: 'out', color: '#2ca02c', data: tl.map(s => s.out_per_s)}]);
                    chart(add(), 'lag (points)', t, [{label: 'lag', color: '#d62728', data: tl.map(s => s.lag)}]);
                    chart(add(), 'latency ms', t, [{label: 'p50', color: '#9467bd', data: tl.map(s => s.p50_ms)},
                                                   {label: 'p99', color: '#ff7f0e', data: tl.map(s => s.p99_ms)}]);
                    // The start, where a cold JVM shows: the first two minutes on their own scale.
                    const first = tl.filter(s => s.t_s <= 120), t2 = first.map(s => s.t_s);
                    chart(add(), 'first 2 min: lag (points)', t2, [{label: 'lag', color: '#d62728', data: first.map(s => s.lag)}]);
                    chart(add(), 'first 2 min: latency ms', t2, [{label: 'p50', color: '#9467bd', data: first.map(s => s.p50_ms)},
                                                   {label: 'p99', color: '#ff7f0e', data: first.map(s => s.p99_ms)}]);
                    if (tr.soak) { soakCharts(root, box, tr); }
                  }
                }
                </script></body></html>
                """.formatted(r.scenario(), resource("uPlot.min.css"), resource("uPlot.iife.min.js"), r.scenario(),
                escape(table(r)), json.replace("</", "<\\/"), SoakReport.script());
    }

    /** A file of the inlined uPlot, as text: every bench page inlines it. */
    static String resource(String name) throws IOException {
        try (InputStream in = Report.class.getClassLoader().getResourceAsStream(UPLOT + name)) {
            if (in == null) {
                throw new IOException("missing resource " + UPLOT + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** {@code s} as HTML text. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
