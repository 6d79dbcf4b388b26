package io.kpipe.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes the growth scenario's files: {@code results.json} (every cell with its trials),
 * {@code table.md} (a row per cell) and {@code report.html} (the table, then the figures of the
 * cells plotted against the sensors, a line per combination of partitions, processors and brokers,
 * and each probe's rate and lag over time, where the kill and the restore show).
 */
public final class GrowthReport {
    /** The plots of report.html: title and the cell's field in results.json. */
    static final String[][] PLOTS = {
        {"highest rate kept up, points/s", "max_points_per_s"},
        {"CPU per point at that rate, us (all JVMs)", "cpu_us_per_point"},
        {"processors' live heap at the probe rate, MiB", "live_heap_mib"},
        {"heap per open window, bytes", "heap_per_open_window_bytes"},
        {"restore after a processor's kill, s", "restore_s"},
    };

    private GrowthReport() {}

    public static void write(GrowthResult r, Path dir) {
        Report.writeFiles(dir, r, table(r), json -> html(r, json));
    }

    /** One row per cell, in the order they ran. */
    public static String table(GrowthResult r) {
        long probeRate = ((Number) r.settings().get("probe_rate")).longValue();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "| sensors | partitions | processor JVMs | brokers | max points/s kept up "
                + "| CPU us/point (all JVMs) | p99 ms at max | yardstick records/s | probe %,d/s steady from s "
                + "| processors' live heap MiB | heap per open window, bytes | restore s | lost | dup |%n", probeRate));
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (GrowthResult.Cell c : r.cells()) {
            GrowthResult.Probe p = c.probe();
            b.append(String.format(Locale.ROOT, "| %,d | %d | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %d | %d |%n",
                    c.sensors(), c.partitions(), c.processors(), c.brokers(),
                    EnginesReport.stats(c.max().pointsPerS(), "%,.0f"), num(c.cpuUsPerPoint(), "%.2f"),
                    num(c.p99MsAtMax(), "%,.0f"), EnginesReport.stats(c.max().yardstick(), "%,.0f"),
                    p.steadyFromS() == null ? "never" : p.steadyFromS().toString(), p.liveHeapBytes() == null ? "-"
                            : String.format(Locale.ROOT, "%.1f", p.liveHeapBytes() / 1048576.0),
                    num(r.heapPerOpenWindow(c), "%,.0f"), p.restoreS() == null ? "never" : num(p.restoreS(), "%.1f"),
                    c.lost(), c.duplicated()));
        }
        b.append(String.format(Locale.ROOT, "%nvalid: %s (every trial of every cell reconciled: lost %d, duplicated %d)%n",
                r.valid() ? "yes" : "NO", r.lost(), r.duplicated()));
        return b.toString();
    }

    private static String num(Double d, String format) {
        return d == null ? "-" : String.format(Locale.ROOT, format, d);
    }

    /** The plotted figures of each cell, in the order of {@link #cells}: what the page's script reads. */
    static String plotData(GrowthResult r) throws IOException {
        var rows = new java.util.ArrayList<java.util.Map<String, Object>>();
        for (GrowthResult.Cell c : r.cells()) {
            var m = new java.util.LinkedHashMap<String, Object>();
            m.put("line", c.partitions() + " partitions, " + c.processors() + " processor JVM(s), " + c.brokers() + " broker(s)");
            m.put("sensors", c.sensors());
            m.put("max_points_per_s", c.maxPointsPerS());
            m.put("cpu_us_per_point", c.cpuUsPerPoint());
            m.put("live_heap_mib", c.probe().liveHeapBytes() == null ? null : c.probe().liveHeapBytes() / 1048576.0);
            m.put("heap_per_open_window_bytes", r.heapPerOpenWindow(c));
            m.put("restore_s", c.probe().restoreS());
            rows.add(m);
        }
        return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(rows);
    }

    static String html(GrowthResult r, String json) throws IOException {
        // As JSON: titles hold apostrophes (processors').
        String plots = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(PLOTS);
        return """
                <!doctype html>
                <html><head><meta charset="utf-8"><title>kpipe bench: growth</title>
                <style>%s
                body{font-family:system-ui,sans-serif;max-width:1300px;margin:1em auto;padding:0 1em}
                .charts{display:flex;flex-wrap:wrap;gap:8px}
                </style>
                <script>%s</script></head>
                <body><h1>kpipe bench: how cost grows</h1>
                <p id="machine"></p>
                <pre>%s</pre>
                <p>Each cell on fresh clusters: the highest exactly-once rate kept up (searched by bracketing), the CPU
                per point at that rate (every process of the machine), and a probe at one rate with the processors'
                memory sampled, one processor SIGKILLed halfway through and restarted a second later. Heap per open
                window: the growth of the processors' live heap from the cell with the fewest sensors, over the
                growth in sensors (one open window per sensor). See docs/performance.md.</p>
                <h2>Against the sensors</h2>
                <div class="charts" id="plots"></div>
                <h2>The probes</h2>
                <div id="probes"></div>
                <script>
                const R = %s;
                const P = %s;
                const PLOTS = %s;
                const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
                document.getElementById('machine').textContent = 'Machine: ' + Object.entries(R.machine)
                  .map(([k, v]) => k + ' ' + v).join(', ') + '. Started ' + R.started + '.';
                const xs = [...new Set(P.map(c => c.sensors))].sort((a, b) => a - b);
                const lines = [...new Set(P.map(c => c.line))];
                for (const [title, key] of PLOTS) {
                  const el = document.createElement('div'); document.getElementById('plots').appendChild(el);
                  const data = [xs].concat(lines.map(l => xs.map(x => {
                    const c = P.find(c => c.line === l && c.sensors === x); return c == null ? null : c[key]; })));
                  new uPlot({title, width: 420, height: 260, scales: {x: {time: false, distr: 3}},
                    axes: [{label: 'sensors'}, {size: 70}],
                    series: [{label: 'sensors'}].concat(lines.map((l, i) => ({label: l, stroke: COLORS[i %% COLORS.length],
                      points: {show: true, size: 7}})))}, data, el);
                }
                const root = document.getElementById('probes');
                for (const c of R.cells) {
                  const tr = c.probe.trial;
                  const h = document.createElement('h3');
                  h.textContent = c.sensors.toLocaleString() + ' sensors, ' + c.partitions + ' partitions, ' + c.processors
                    + ' processor JVM(s), ' + c.brokers + ' broker(s): probe at ' + c.probe.rate.toLocaleString()
                    + ' points/s, kill at ' + c.probe.kill_at_s + ' s, restored after '
                    + (c.probe.restore_s == null ? 'never' : c.probe.restore_s + ' s');
                  root.appendChild(h);
                  const box = document.createElement('div'); box.className = 'charts'; root.appendChild(box);
                  const tl = tr.timeline, t = tl.map(s => s.t_s);
                  for (const [title, series] of [['points/s', [['in', '#1f77b4', s => s.in_per_s], ['out', '#2ca02c', s => s.out_per_s]]],
                                                 ['lag (points)', [['lag', '#d62728', s => s.lag]]],
                                                 ['latency ms', [['p50', '#9467bd', s => s.p50_ms], ['p99', '#ff7f0e', s => s.p99_ms]]]]) {
                    const d = document.createElement('div'); box.appendChild(d);
                    new uPlot({title, width: 380, height: 220, scales: {x: {time: false}}, axes: [{label: 's'}, {size: 70}],
                      series: [{label: 't'}].concat(series.map(([label, stroke]) => ({label, stroke})))},
                      [t].concat(series.map(([, , f]) => tl.map(f))), d);
                  }
                }
                </script></body></html>
                """.formatted(Report.resource("uPlot.min.css"), Report.resource("uPlot.iife.min.js"),
                Report.escape(table(r)), json.replace("</", "<\\/"), plotData(r).replace("</", "<\\/"), plots);
    }
}
