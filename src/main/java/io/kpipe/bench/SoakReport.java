package io.kpipe.bench;

import io.kpipe.run.MinuteLatency;
import io.kpipe.run.ResourceSeries;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The soak's part of the bench's files: a summary table (one row per soak trial) for
 * {@code table.md}, and the script that draws its charts in {@code report.html} over the whole run:
 * latency per minute, live heap, heap after GC, RSS, GC pause time and open file handles of every JVM, and
 * the brokers' disk, with the criteria and their verdicts.
 */
final class SoakReport {
    /** The series every soak trial charts, by their names in {@code results.json}. */
    static final List<String> SERIES = List.of("in_per_s", "out_per_s", "lag", "p50_ms", "p99_ms",
            "live_bytes", "heap_after_gc_bytes", "rss_bytes", "gc_pause_ms", "open_fds", "disk_bytes");

    /** Chart titles of a soak trial in report.html, one per figure. */
    static final List<String> CHARTS = List.of("latency per minute, ms", "live heap (after a full GC), MiB",
            "heap after GC, MiB", "RSS, MiB", "GC pause, ms per sample", "open file handles", "broker disk, MiB");

    /**
     * {@code soakCharts(root, box, tr)}: draws a soak trial's charts into {@code box} and its
     * criteria as a table under it. Uses the report's uPlot; JVMs keep one colour in every chart.
     */
    static final String SCRIPT = """
            function soakCharts(root, box, tr) {
              const s = tr.soak, res = s.resources, t = res.t_s;
              const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
              const add = () => { const d = document.createElement('div'); box.appendChild(d); return d; };
              const draw = (title, xLabel, x, series) => new uPlot({title, width: 380, height: 220,
                  scales: {x: {time: false}}, axes: [{label: xLabel}, {size: 70}],
                  series: [{label: xLabel}].concat(series.map(z => ({label: z.label, stroke: z.color})))},
                [x].concat(series.map(z => z.data)), add());
              const mib = v => v == null ? null : Math.round(v / 1048576 * 10) / 10;
              const same = v => v;
              const perJvm = (key, f) => Object.entries(res.jvms).map(([name, j], i) =>
                  ({label: name, color: palette[i % palette.length], data: j[key].map(f)}));
              const m = s.minutes;
              draw(CHARTS[0], 'minute', m.map(z => z.minute), [
                  {label: 'p50', color: '#9467bd', data: m.map(z => z.p50_ms)},
                  {label: 'p99', color: '#ff7f0e', data: m.map(z => z.p99_ms)},
                  {label: 'limit', color: '#999', data: m.map(z => LIMIT)}]);
              draw(CHARTS[1], 's', t, perJvm('live_bytes', mib));
              draw(CHARTS[2], 's', t, perJvm('heap_after_gc_bytes', mib));
              draw(CHARTS[3], 's', t, perJvm('rss_bytes', mib));
              draw(CHARTS[4], 's', t, perJvm('gc_pause_ms', same));
              draw(CHARTS[5], 's', t, perJvm('open_fds', same));
              draw(CHARTS[6], 's', t, Object.entries(res.disk_bytes).map(([name, d], i) =>
                  ({label: name, color: palette[(i + 1) % palette.length], data: d.map(mib)})));
              const table = document.createElement('table');
              table.innerHTML = '<tr><th>criterion</th><th>verdict</th><th>figures</th></tr>';
              for (const c of s.criteria) {
                const row = table.insertRow();
                for (const v of [c.name, c.verdict, c.detail]) { row.insertCell().textContent = v; }
              }
              root.appendChild(table);
            }
            """;

    private SoakReport() {}

    /** The script with its constants: chart titles and the p99 limit. */
    static String script() {
        return "const CHARTS = [" + String.join(", ", CHARTS.stream().map(c -> "'" + c + "'").toList()) + "];\n"
                + "const LIMIT = " + SoakVerdict.P99_LIMIT_MS + ";\n" + SCRIPT;
    }

    /** The summary table of the soak trials; empty if there are none. */
    static String table(BenchResult r) {
        List<String> rows = new ArrayList<>();
        // With --security both, a row per repeat of each mode (the secured arm is r.compared()).
        for (BenchResult arm : r.arms()) {
            for (BenchResult.Repeat rep : arm.repeats()) {
                for (Trial t : rep.trials()) {
                    if (t.soak() != null) {
                        String label = r.compared() == null ? Integer.toString(rep.index())
                                : rep.index() + " (" + arm.security() + ")";
                        rows.add(row(label, t, setting(r, "duration_s"), setting(r, "warmup_s")));
                    }
                }
            }
        }
        if (rows.isEmpty()) {
            return "";
        }
        return "\n| soak repeat | points | lost | dup | p99 per minute after warm-up, highest (minute) "
                + "| live heap, first -> last sample | RSS, first -> last sample | GC pause total "
                + "| open files, highest | broker disk, first -> last sample | verdict |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|\n" + String.join("", rows);
    }

    private static long setting(BenchResult r, String name) {
        return ((Number) r.settings().get(name)).longValue();
    }

    private static String row(String label, Trial t, long durationS, long warmupS) {
        Soak s = t.soak();
        ResourceSeries res = s.resources();
        MinuteLatency worst = s.minutes().stream().filter(m -> SoakVerdict.judgedMinute(m.minute(), durationS, warmupS))
                .max((a, b) -> Long.compare(a.p99Ms(), b.p99Ms())).orElse(null);
        List<String> failed = s.criteria().stream().filter(c -> c.verdict() != SoakVerdict.Verdict.PASS)
                .map(c -> c.name() + " " + c.verdict().text()).toList();
        return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", label,
                t.summary() == null ? "-" : String.format(Locale.ROOT, "%,d", t.summary().produced()),
                t.summary() == null ? "-" : t.summary().lost(), t.summary() == null ? "-" : t.summary().duplicated(),
                worst == null ? "-" : String.format(Locale.ROOT, "%,d ms (%d)", worst.p99Ms(), worst.minute()),
                perJvm(res, j -> firstLast(j.liveBytes())), perJvm(res, j -> firstLast(j.rssBytes())),
                perJvm(res, j -> String.format(Locale.ROOT, "%,d ms", j.gcPauseMsTotal())),
                perJvm(res, j -> j.openFds().stream().filter(Objects::nonNull).max(Long::compare)
                        .map(v -> String.format(Locale.ROOT, "%,d", v)).orElse("-")),
                firstLast(res.diskTotal()),
                s.passed() ? "passed" : (SoakVerdict.failed(s.criteria()) ? "FAILED: " : "not judged: ")
                        + String.join(", ", failed));
    }

    private static String perJvm(ResourceSeries r, Function<ResourceSeries.JvmSeries, String> f) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, ResourceSeries.JvmSeries> e : r.jvms().entrySet()) {
            parts.add(e.getKey() + " " + f.apply(e.getValue()));
        }
        return parts.isEmpty() ? "-" : String.join("; ", parts);
    }

    private static String firstLast(List<Long> values) {
        List<Long> v = values.stream().filter(Objects::nonNull).toList();
        return v.isEmpty() ? "-" : mib(v.get(0)) + " -> " + mib(v.get(v.size() - 1));
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,.0f MiB", bytes / 1048576.0);
    }
}
