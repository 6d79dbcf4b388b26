package io.kpipe.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes the engines scenario's files: {@code results.json} (every trial, with its timeline),
 * {@code table.md} (one row per engine, medians over the repeats) and {@code report.html} (the table,
 * then the steady trials of the engines charted side by side, repeat by repeat).
 */
public final class EnginesReport {
    private EnginesReport() {}

    public static void write(EnginesResult r, Path dir) {
        Report.writeFiles(dir, r, table(r), json -> html(r, json));
    }

    /** One row per engine: medians over the repeats (min-max where there are several). */
    public static String table(EnginesResult r) {
        long rate = ((Number) r.settings().get("rate")).longValue();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "| engine | steady %,d/s kept up | points/s | latency to readable p50 / p99 ms "
                + "| first result s | CPU us/point (all JVMs) | engine heap after GC MB | engine RSS MB "
                + "| max points/s kept up | lost | dup | valid |%n", rate));
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        boolean anyCapped = false;
        for (EnginesResult.Arm a : r.engines()) {
            boolean capped = a.repeats().stream().anyMatch(EnginesReport::capped);
            anyCapped |= capped;
            b.append(String.format(Locale.ROOT, "| %s | %d of %d | %s | %s / %s | %s | %s | %s | %s | %s | %d | %d | %s |%n",
                    a.engine(), a.steadyKeptUp(), a.repeats().size(), stats(a.pointsPerS(), "%,.0f"),
                    stats(a.latencyP50Ms(), "%,.0f"), stats(a.latencyP99Ms(), "%,.0f"), stats(a.firstResultS(), "%.1f"),
                    stats(a.cpuUsPerPoint(), "%.2f"), stats(a.engineHeapAfterGcMb(), "%,.0f"),
                    stats(a.engineRssMb(), "%,.0f"), (capped ? ">= " : "") + stats(a.maxPointsPerS(), "%,.0f"), a.lost(),
                    a.duplicated(),
                    a.valid() ? "yes" : a.notDrained() > 0 ? "NO (" + a.notDrained() + " trial(s) not drained)" : "NO"));
        }
        if (anyCapped) {
            long maxRate = ((Number) r.settings().getOrDefault("max_rate", 0L)).longValue();
            b.append(String.format(Locale.ROOT, "%n>=: in a repeat every ramp trial kept up, and the ramp stops below its "
                    + "ceiling of %,d points/s (--max-rate; default twice --rate): that engine keeps up with more.%n",
                    maxRate > 0 ? maxRate : 2 * rate));
        }
        return b.toString();
    }

    /** A repeat whose steady trial and every ramp trial kept up: its max is the ramp's, not the engine's. */
    private static boolean capped(EnginesResult.Repeat rep) {
        return rep.steady().passed() && !rep.ramp().isEmpty() && rep.ramp().stream().allMatch(Trial::passed);
    }

    /** The median alone, or {@code median (min-max)} when the repeats differ; {@code -} when there is none. */
    static String stats(BenchResult.Stats s, String format) {
        if (s == null) {
            return "-";
        }
        String median = String.format(Locale.ROOT, format, s.median());
        return s.min() == s.max() ? median : median + " (" + String.format(Locale.ROOT, format, s.min()) + "-"
                + String.format(Locale.ROOT, format, s.max()) + ")";
    }

    /** A steady trial's measures in one line, for the console. */
    static String measuresLine(EnginesResult.Measures m) {
        return String.format(Locale.ROOT, "latency to readable p50 %s ms, p99 %s ms; first result after %s s; "
                        + "CPU %s us/point; engine heap after GC %s MB, RSS %s MB",
                num(m.latencyP50Ms(), "%,.0f"), num(m.latencyP99Ms(), "%,.0f"), num(m.firstResultS(), "%.1f"),
                num(m.cpuUsPerPoint(), "%.2f"), num(m.engineHeapAfterGcMb(), "%,.0f"), num(m.engineRssMb(), "%,.0f"));
    }

    private static String num(Double d, String format) {
        return d == null ? "-" : String.format(Locale.ROOT, format, d);
    }

    private static String html(EnginesResult r, String json) throws IOException {
        return """
                <!doctype html>
                <html><head><meta charset="utf-8"><title>kpipe bench: engines</title>
                <style>%s
                body{font-family:system-ui,sans-serif;max-width:1300px;margin:1em auto;padding:0 1em}
                table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}
                .charts{display:flex;flex-wrap:wrap;gap:8px}
                </style>
                <script>%s</script></head>
                <body><h1>kpipe bench: engines side by side</h1>
                <p id="machine"></p>
                <pre>%s</pre>
                <p>Latency: from a point's send to a result holding it being readable on points-agg-1m (read_committed).
                CPU: every process of the run (bench JVM with generator and books, broker, engine JVM) per point processed
                after the warm-up. Memory: the engine's JVM. See docs/engines.md.</p>
                <div id="repeats"></div>
                <script>
                const R = %s;
                const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
                document.getElementById('machine').textContent = 'Machine: ' + Object.entries(R.machine)
                  .map(([k, v]) => k + ' ' + v).join(', ') + '. Started ' + R.started + '.';
                const root = document.getElementById('repeats');
                function chart(el, title, series) {
                  const t = [...new Set(series.flatMap(s => s.tl.map(x => x.t_s)))].sort((a, b) => a - b);
                  const data = [t].concat(series.map(s => { const m = new Map(s.tl.map(x => [x.t_s, s.f(x)]));
                    return t.map(x => m.has(x) ? m.get(x) : null); }));
                  const opts = {title, width: 420, height: 240, scales: {x: {time: false}}, axes: [{label: 's'}, {size: 70}],
                    series: [{label: 't'}].concat(series.map((s, i) => ({label: s.label, stroke: COLORS[i %% COLORS.length]})))};
                  new uPlot(opts, data, el);
                }
                const n = Math.max(...R.engines.map(a => a.repeats.length));
                for (let i = 0; i < n; i++) {
                  const h = document.createElement('h3'); h.textContent = 'Repeat ' + (i + 1) + ': the steady trials';
                  root.appendChild(h);
                  const box = document.createElement('div'); box.className = 'charts'; root.appendChild(box);
                  const arms = R.engines.filter(a => a.repeats[i] && a.repeats[i].steady.timeline.length);
                  const add = () => { const d = document.createElement('div'); box.appendChild(d); return d; };
                  const series = f => arms.map(a => ({label: a.engine, tl: a.repeats[i].steady.timeline, f}));
                  chart(add(), 'points/s out', series(x => x.out_per_s));
                  chart(add(), 'lag (points)', series(x => x.lag));
                  chart(add(), 'latency p99 ms (sent -> aggregated)', series(x => x.p99_ms));
                }
                </script></body></html>
                """.formatted(Report.resource("uPlot.min.css"), Report.resource("uPlot.iife.min.js"), Report.escape(table(r)),
                json.replace("</", "<\\/"));
    }
}
