package io.kpipe.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import io.kpipe.run.MinuteLatency;
import io.kpipe.run.ResourceSeries;
import io.kpipe.run.RunSummary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The pass criteria of {@code kpipe bench --scenario soak}, judged on a finished run. Times are
 * seconds from the start of sending; {@code D} is {@code --duration} (the sending), the drain
 * after it is not judged.
 *
 * <ul>
 * <li><b>lost</b>, <b>duplicated</b>: 0, by the run's per-sensor-and-window books.</li>
 * <li><b>p99 per minute</b>: under 2,000 ms in every whole minute of sending that begins at or after
 *     the warm-up's end, each minute's p99 taken over all its points ({@link MinuteLatency}); a
 *     minute in which no point was processed fails.</li>
 * <li><b>live heap flat</b>, <b>RSS flat</b>: for every JVM, the median of its samples in the
 *     last window is at most 10% above the median in the first window. The live heap is the heap
 *     after the JVM's latest full collection, which the soak asks each JVM for every
 *     {@link Soak#fullGcEvery}: what is still reachable, not a point on G1's sawtooth (the heap
 *     after the latest collection, charted too, rises between marking cycles whatever the live set
 *     does). A JVM running in both windows with no live heap in one of them (it ran no full
 *     collection: started with {@code -XX:+DisableExplicitGC}, say) fails the live heap criterion. The windows: for
 *     {@code D >= 30 min}, minutes 10-20 and the last 10 minutes of sending; for a shorter run, its
 *     middle third and last third (the same two windows at exactly 30 minutes). The first window
 *     starts no earlier than the warm-up's end. Only growth fails: a fall is no leak. A JVM with no
 *     sample in a window (not running then) is left out.</li>
 * <li><b>disk bounded</b>: the peak of the brokers' disk use (all brokers summed) in the last
 *     window is at most 10% above its peak before it: the disk had stopped growing, whatever
 *     (retention, segment deletion) stopped it. A run whose topics keep everything grows to the end
 *     and fails, as it should; the 10% leaves room for a segment rolled before an old one is deleted.</li>
 * </ul>
 *
 * A criterion the run is too short to judge (no whole minute after the warm-up, an empty window)
 * is {@code not judged}: not passed, and not failed.
 */
public final class SoakVerdict {
    /** p99 of every judged minute must be under this. */
    public static final long P99_LIMIT_MS = 2_000;
    /** Flat and bounded: at most this many percent above the reference. */
    public static final long TOLERANCE_PCT = 10;
    private static final long LONG_RUN_S = 30 * 60;
    private static final long TEN_MIN_S = 10 * 60;

    public enum Verdict {
        PASS("pass"), FAIL("fail"), NOT_JUDGED("not judged");

        private final String text;

        Verdict(String text) {
            this.text = text;
        }

        @JsonValue
        public String text() {
            return text;
        }
    }

    /** One criterion: its name, its verdict, and the figures behind it in a line. */
    public record Criterion(@JsonProperty("name") String name, @JsonProperty("verdict") Verdict verdict,
                            @JsonProperty("detail") String detail) {}

    /** The two windows compared, each the samples with {@code from < t <= to}. */
    public record Windows(long firstFrom, long firstTo, long lastFrom, long lastTo) {
        public static Windows of(long durationS, long warmupS) {
            long firstFrom = durationS >= LONG_RUN_S ? TEN_MIN_S : durationS / 3;
            long firstTo = durationS >= LONG_RUN_S ? 2 * TEN_MIN_S : 2 * durationS / 3;
            long lastFrom = durationS >= LONG_RUN_S ? durationS - TEN_MIN_S : 2 * durationS / 3;
            return new Windows(Math.max(firstFrom, warmupS), firstTo, lastFrom, durationS);
        }
    }

    private SoakVerdict() {}

    /** Every criterion, in the order above; {@code summary} is null when the run crashed before its books. */
    public static List<Criterion> judge(RunSummary summary, List<MinuteLatency> minutes, ResourceSeries resources,
                                        long durationS, long warmupS) {
        Windows w = Windows.of(durationS, warmupS);
        List<Criterion> c = new ArrayList<>();
        c.add(books("lost", summary, RunSummary::lost));
        c.add(books("duplicated", summary, RunSummary::duplicated));
        c.add(p99PerMinute(minutes, durationS, warmupS));
        c.add(flat("live heap flat", resources, ResourceSeries.JvmSeries::liveBytes, w, true));
        c.add(flat("RSS flat", resources, ResourceSeries.JvmSeries::rssBytes, w, false));
        c.add(diskBounded(resources, w));
        return List.copyOf(c);
    }

    /** All passed. */
    public static boolean passed(List<Criterion> criteria) {
        return criteria.stream().allMatch(c -> c.verdict() == Verdict.PASS);
    }

    /** Any failed (a criterion not judged is not a failure). */
    public static boolean failed(List<Criterion> criteria) {
        return criteria.stream().anyMatch(c -> c.verdict() == Verdict.FAIL);
    }

    private static Criterion books(String name, RunSummary s, Function<RunSummary, Long> figure) {
        if (s == null) {
            return new Criterion(name, Verdict.FAIL, "the run ended before its books were balanced");
        }
        long n = figure.apply(s);
        return new Criterion(name, n == 0 ? Verdict.PASS : Verdict.FAIL, String.format(Locale.ROOT, "%,d", n));
    }

    static Criterion p99PerMinute(List<MinuteLatency> minutes, long durationS, long warmupS) {
        String name = "p99 per minute";
        long first = firstJudgedMinute(warmupS);
        long last = durationS / 60;             // the last whole minute of sending
        if (first > last) {
            return new Criterion(name, Verdict.NOT_JUDGED, "no whole minute of sending after the warm-up");
        }
        List<String> bad = new ArrayList<>();
        MinuteLatency worst = null;
        for (long m = first; m <= last; m++) {
            MinuteLatency ml = find(minutes, m);
            if (ml == null || ml.points() == 0) {
                bad.add("minute " + m + ": no point processed");
            } else {
                if (ml.p99Ms() >= P99_LIMIT_MS) {
                    bad.add(String.format(Locale.ROOT, "minute %d: %,d ms", m, ml.p99Ms()));
                }
                worst = worst == null || ml.p99Ms() > worst.p99Ms() ? ml : worst;
            }
        }
        long judged = last - first + 1;
        if (!bad.isEmpty()) {
            return new Criterion(name, Verdict.FAIL, String.format(Locale.ROOT, "not under %,d ms in %d of %d minutes: %s%s",
                    P99_LIMIT_MS, bad.size(), judged, String.join("; ", bad.subList(0, Math.min(5, bad.size()))),
                    bad.size() > 5 ? "; ..." : ""));
        }
        return new Criterion(name, Verdict.PASS, String.format(Locale.ROOT,
                "under %,d ms in all %d minutes from minute %d; highest %,d ms (minute %d)", P99_LIMIT_MS, judged, first,
                worst.p99Ms(), worst.minute()));
    }

    /** Whether minute {@code m} is judged: a whole minute of sending that begins at or after the warm-up's end. */
    public static boolean judgedMinute(long m, long durationS, long warmupS) {
        return m >= firstJudgedMinute(warmupS) && 60 * m <= durationS;
    }

    private static long firstJudgedMinute(long warmupS) {
        return (warmupS + 59) / 60 + 1;
    }

    private static MinuteLatency find(List<MinuteLatency> minutes, long m) {
        return minutes.stream().filter(x -> x.minute() == m).findFirst().orElse(null);
    }

    /**
     * {@code everyJvm}: a JVM running in both windows (it has RSS samples there) without a value of
     * the series in one of them fails the criterion (asked for a full collection, it never ran one:
     * its live heap cannot be told, and leaving it out would pass on the others).
     */
    static Criterion flat(String name, ResourceSeries r, Function<ResourceSeries.JvmSeries, List<Long>> series,
                          Windows w, boolean everyJvm) {
        if (w.firstFrom() >= w.firstTo()) {
            return new Criterion(name, Verdict.NOT_JUDGED, String.format(Locale.ROOT,
                    "too short: the first window would end at %d s, within the warm-up", w.firstTo()));
        }
        List<String> figures = new ArrayList<>();
        boolean grew = false;
        for (Map.Entry<String, ResourceSeries.JvmSeries> e : r.jvms().entrySet()) {
            List<Long> values = series.apply(e.getValue());
            Long before = median(in(r.tS(), values, w.firstFrom(), w.firstTo()));
            Long after = median(in(r.tS(), values, w.lastFrom(), w.lastTo()));
            if (before == null || after == null) {
                List<Long> rss = e.getValue().rssBytes();
                if (everyJvm && !in(r.tS(), rss, w.firstFrom(), w.firstTo()).isEmpty()
                        && !in(r.tS(), rss, w.lastFrom(), w.lastTo()).isEmpty()) {
                    grew = true;
                    figures.add(e.getKey() + " no value in " + (before == null ? "the first" : "the last")
                            + " window (no full collection)");
                }
                continue;
            }
            boolean over = after * 100 > before * (100 + TOLERANCE_PCT);
            grew |= over;
            figures.add(String.format(Locale.ROOT, "%s %s -> %s (%s)%s", e.getKey(), mib(before), mib(after),
                    change(before, after), over ? " GREW" : ""));
        }
        if (figures.isEmpty()) {
            return new Criterion(name, Verdict.NOT_JUDGED, windowText(w) + ": no JVM has samples in both windows");
        }
        return new Criterion(name, grew ? Verdict.FAIL : Verdict.PASS,
                windowText(w) + ", medians: " + String.join(", ", figures));
    }

    static Criterion diskBounded(ResourceSeries r, Windows w) {
        String name = "disk bounded";
        List<Long> total = r.diskTotal();
        Long before = max(in(r.tS(), total, Long.MIN_VALUE, w.lastFrom()));
        Long last = max(in(r.tS(), total, w.lastFrom(), w.lastTo()));
        String span = String.format(Locale.ROOT, "peak up to %d s against peak in %d-%d s", w.lastFrom(), w.lastFrom(),
                w.lastTo());
        if (before == null || last == null) {
            return new Criterion(name, Verdict.NOT_JUDGED, span + ": no disk samples in one of them");
        }
        boolean over = last * 100 > before * (100 + TOLERANCE_PCT);
        return new Criterion(name, over ? Verdict.FAIL : Verdict.PASS, String.format(Locale.ROOT, "%s: %s -> %s (%s)%s",
                span, mib(before), mib(last), change(before, last), over ? ", still growing" : ""));
    }

    private static String windowText(Windows w) {
        return String.format(Locale.ROOT, "%d-%d s against %d-%d s", w.firstFrom(), w.firstTo(), w.lastFrom(), w.lastTo());
    }

    /** The non-null values whose time is in {@code (from, to]}. */
    private static List<Long> in(List<Long> t, List<Long> values, long from, long to) {
        List<Long> v = new ArrayList<>();
        for (int i = 0; i < t.size() && i < values.size(); i++) {
            if (t.get(i) > from && t.get(i) <= to && values.get(i) != null) {
                v.add(values.get(i));
            }
        }
        return v;
    }

    /** The median (the lower of the middle two for an even count), or null for none. */
    static Long median(List<Long> values) {
        if (values.isEmpty()) {
            return null;
        }
        long[] v = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(v);
        return v[(v.length - 1) / 2];
    }

    private static Long max(List<Long> values) {
        return values.stream().filter(Objects::nonNull).max(Long::compare).orElse(null);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%,.1f MiB", bytes / 1048576.0);
    }

    private static String change(long before, long after) {
        return before == 0 ? "from 0" : String.format(Locale.ROOT, "%+.1f%%", 100.0 * (after - before) / before);
    }
}
