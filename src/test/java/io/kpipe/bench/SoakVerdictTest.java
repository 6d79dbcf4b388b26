package io.kpipe.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.bench.SoakVerdict.Criterion;
import io.kpipe.bench.SoakVerdict.Verdict;
import io.kpipe.run.MinuteLatency;
import io.kpipe.run.ResourceSeries;
import io.kpipe.run.RunSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/** The soak's pass criteria on made-up series of an hour (samples every 5 s), with the verdicts and figures they must give. */
class SoakVerdictTest {
    private static final long MIB = 1024 * 1024;
    private static final long HOUR_S = 3600;
    private static final long WARMUP_S = 30;

    @Test
    void shouldPassAFlatHourWithNoLossAndLowLatency() {
        ResourceSeries r = series(HOUR_S, Map.of(
                        "kpipe", jvm(t -> 200 * MIB, t -> 1000 * MIB),
                        // exactly 10% more in the last window: still flat
                        "broker-1", jvm(t -> t > 3000 ? 110 * MIB : 100 * MIB, t -> 800 * MIB)),
                t -> Math.min(t, 1800) / 5 * 10 * MIB);

        List<Criterion> c = SoakVerdict.judge(run(0, 0), minutes(61, m -> m == 1 ? 5_000 : m == 61 ? 9_000 : 100 + m), r, HOUR_S, WARMUP_S);

        assertThat(c).containsExactly(
                new Criterion("lost", Verdict.PASS, "0"),
                new Criterion("duplicated", Verdict.PASS, "0"),
                new Criterion("p99 per minute", Verdict.PASS,
                        "under 2,000 ms in all 59 minutes from minute 2; highest 160 ms (minute 60)"),
                new Criterion("live heap flat", Verdict.PASS, "600-1200 s against 3000-3600 s, medians: "
                        + "kpipe 200.0 MiB -> 200.0 MiB (+0.0%), broker-1 100.0 MiB -> 110.0 MiB (+10.0%)"),
                new Criterion("RSS flat", Verdict.PASS, "600-1200 s against 3000-3600 s, medians: "
                        + "kpipe 1,000.0 MiB -> 1,000.0 MiB (+0.0%), broker-1 800.0 MiB -> 800.0 MiB (+0.0%)"),
                new Criterion("disk bounded", Verdict.PASS,
                        "peak up to 3000 s against peak in 3000-3600 s: 3,600.0 MiB -> 3,600.0 MiB (+0.0%)"));
        assertThat(SoakVerdict.passed(c)).isTrue();
        assertThat(SoakVerdict.failed(c)).isFalse();
    }

    @Test
    void shouldFailLossASlowMinuteAMissingMinuteGrowingHeapAndGrowingDisk() {
        ResourceSeries r = series(HOUR_S, Map.of(
                        "kpipe", jvm(t -> t > 3000 ? 221 * MIB : 200 * MIB, t -> 1000 * MIB),
                        // not running in the first window (killed, restarted later): left out of both
                        "processor-1", jvm(t -> t > 1200 ? 300 * MIB : null, t -> t > 1200 ? 900 * MIB : null)),
                t -> t / 5 * 10 * MIB);
        List<MinuteLatency> minutes = new ArrayList<>(minutes(60, m -> m == 1 ? 5_000 : m == 7 ? 2_000 : 150));
        minutes.removeIf(m -> m.minute() == 9);

        List<Criterion> c = SoakVerdict.judge(run(3, 1), minutes, r, HOUR_S, WARMUP_S);

        assertThat(c).containsExactly(
                new Criterion("lost", Verdict.FAIL, "3"),
                new Criterion("duplicated", Verdict.FAIL, "1"),
                new Criterion("p99 per minute", Verdict.FAIL,
                        "not under 2,000 ms in 2 of 59 minutes: minute 7: 2,000 ms; minute 9: no point processed"),
                new Criterion("live heap flat", Verdict.FAIL, "600-1200 s against 3000-3600 s, medians: "
                        + "kpipe 200.0 MiB -> 221.0 MiB (+10.5%) GREW"),
                new Criterion("RSS flat", Verdict.PASS, "600-1200 s against 3000-3600 s, medians: "
                        + "kpipe 1,000.0 MiB -> 1,000.0 MiB (+0.0%)"),
                new Criterion("disk bounded", Verdict.FAIL, "peak up to 3000 s against peak in 3000-3600 s: "
                        + "6,000.0 MiB -> 7,200.0 MiB (+20.0%), still growing"));
        assertThat(SoakVerdict.passed(c)).isFalse();
        assertThat(SoakVerdict.failed(c)).isTrue();
    }

    @Test
    void shouldFailAMinuteWithNoPointsAndALossWhenTheRunCrashed() {
        List<MinuteLatency> minutes = new ArrayList<>(minutes(3, m -> 100));
        minutes.set(1, new MinuteLatency(2, 0, 0, 0, 0));

        List<Criterion> c = SoakVerdict.judge(null, minutes, ResourceSeries.empty(5), 180, 0);

        assertThat(c).containsExactly(
                new Criterion("lost", Verdict.FAIL, "the run ended before its books were balanced"),
                new Criterion("duplicated", Verdict.FAIL, "the run ended before its books were balanced"),
                new Criterion("p99 per minute", Verdict.FAIL,
                        "not under 2,000 ms in 1 of 3 minutes: minute 2: no point processed"),
                new Criterion("live heap flat", Verdict.NOT_JUDGED,
                        "60-120 s against 120-180 s: no JVM has samples in both windows"),
                new Criterion("RSS flat", Verdict.NOT_JUDGED,
                        "60-120 s against 120-180 s: no JVM has samples in both windows"),
                new Criterion("disk bounded", Verdict.NOT_JUDGED,
                        "peak up to 120 s against peak in 120-180 s: no disk samples in one of them"));
    }

    @Test
    void shouldNotJudgeWhatARunShorterThanAMinuteAfterItsWarmUpCannotShow() {
        ResourceSeries r = series(30, Map.of("kpipe", jvm(t -> 100 * MIB, t -> 500 * MIB)), t -> 50 * MIB);

        List<Criterion> c = SoakVerdict.judge(run(0, 0), minutes(1, m -> 10), r, 30, 25);

        assertThat(c).containsExactly(
                new Criterion("lost", Verdict.PASS, "0"),
                new Criterion("duplicated", Verdict.PASS, "0"),
                new Criterion("p99 per minute", Verdict.NOT_JUDGED, "no whole minute of sending after the warm-up"),
                new Criterion("live heap flat", Verdict.NOT_JUDGED,
                        "too short: the first window would end at 20 s, within the warm-up"),
                new Criterion("RSS flat", Verdict.NOT_JUDGED,
                        "too short: the first window would end at 20 s, within the warm-up"),
                new Criterion("disk bounded", Verdict.PASS,
                        "peak up to 20 s against peak in 20-30 s: 50.0 MiB -> 50.0 MiB (+0.0%)"));
        assertThat(SoakVerdict.passed(c)).isFalse();
        assertThat(SoakVerdict.failed(c)).isFalse();
    }

    /** A JVM that never answers the requests for a full collection cannot pass for flat. */
    @Test
    void shouldFailTheLiveHeapOfAJvmThatRanNoFullCollection() {
        ResourceSeries r = series(HOUR_S, Map.of("kpipe", jvm(t -> 200 * MIB, t -> 1000 * MIB),
                "broker-1", jvm(t -> null, t -> 800 * MIB)), t -> 10 * MIB);

        List<Criterion> c = SoakVerdict.judge(run(0, 0), minutes(61, m -> 100), r, HOUR_S, WARMUP_S);

        assertThat(c.get(3)).isEqualTo(new Criterion("live heap flat", Verdict.FAIL,
                "600-1200 s against 3000-3600 s, medians: kpipe 200.0 MiB -> 200.0 MiB (+0.0%), "
                        + "broker-1 no value in the first window (no full collection)"));
    }

    @Test
    void shouldAskForAFullCollectionEveryThreeMinutesOrEverySixthOfAShorterRun() {
        assertThat(Soak.fullGcEvery(3600)).isEqualTo(java.time.Duration.ofMinutes(3));
        assertThat(Soak.fullGcEvery(600)).isEqualTo(java.time.Duration.ofSeconds(100));
        assertThat(Soak.fullGcEvery(30)).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(Soak.fullGcEvery(10)).isEqualTo(java.time.Duration.ofSeconds(5));
    }

    @Test
    void shouldCompareMinutesTenToTwentyWithTheLastTenFromHalfAnHourAndThirdsBelow() {
        assertThat(SoakVerdict.Windows.of(3600, 30)).isEqualTo(new SoakVerdict.Windows(600, 1200, 3000, 3600));
        assertThat(SoakVerdict.Windows.of(7200, 30)).isEqualTo(new SoakVerdict.Windows(600, 1200, 6600, 7200));
        assertThat(SoakVerdict.Windows.of(1800, 30)).isEqualTo(new SoakVerdict.Windows(600, 1200, 1200, 1800));
        assertThat(SoakVerdict.Windows.of(1799, 30)).isEqualTo(new SoakVerdict.Windows(599, 1199, 1199, 1799));
        assertThat(SoakVerdict.Windows.of(90, 30)).isEqualTo(new SoakVerdict.Windows(30, 60, 60, 90));
        assertThat(SoakVerdict.Windows.of(90, 45)).isEqualTo(new SoakVerdict.Windows(45, 60, 60, 90));
    }

    @Test
    void shouldJudgeTheWholeMinutesOfSendingThatBeginAfterTheWarmUp() {
        assertThat(SoakVerdict.judgedMinute(1, 3600, 30)).isFalse();
        assertThat(SoakVerdict.judgedMinute(2, 3600, 30)).isTrue();
        assertThat(SoakVerdict.judgedMinute(60, 3600, 30)).isTrue();
        assertThat(SoakVerdict.judgedMinute(61, 3600, 30)).isFalse();   // the drain
        assertThat(SoakVerdict.judgedMinute(1, 3600, 0)).isTrue();
        assertThat(SoakVerdict.judgedMinute(2, 3600, 60)).isTrue();
        assertThat(SoakVerdict.judgedMinute(2, 3600, 61)).isFalse();
        assertThat(SoakVerdict.judgedMinute(2, 150, 30)).isTrue();
        assertThat(SoakVerdict.judgedMinute(3, 150, 30)).isFalse();    // 120-180 s: not whole within 150 s
    }

    @Test
    void shouldTakeTheLowerOfTheMiddleTwoAsTheMedianOfAnEvenCount() {
        assertThat(SoakVerdict.median(List.of(4L, 1L, 3L, 2L))).isEqualTo(2L);
        assertThat(SoakVerdict.median(List.of(5L, 1L, 3L))).isEqualTo(3L);
        assertThat(SoakVerdict.median(List.of())).isNull();
    }

    private static RunSummary run(long lost, long duplicated) {
        return RunSummary.builder().produced(1000).producedValid(1000).producedInvalid(0).sendFailed(0)
                .aggregated(1000 - lost + duplicated).windows(20).dlq(0).late(0).lost(lost).duplicated(duplicated)
                .windowsWrong(lost + duplicated > 0 ? 1 : 0).drained(true).durationS(3600).throughputPerS(333_333)
                .latencyMs(new RunSummary.Latency(20, 150, 300, 900)).brokers(1).partitions(12)
                .guarantee("exactly_once_v2").threads(2).sensors(10_000).rateTarget("333333").processors(0).standbys(0)
                .chaos(List.of()).alerts(0).ingested(0).setAside(RunSummary.SetAside.NONE).build();
    }

    /** Minutes 1..n, 1,000 points each, p50 20 ms and the given p99 (minute 1 the warm-up's, the last the drain's). */
    private static List<MinuteLatency> minutes(long n, LongUnaryOperator p99) {
        List<MinuteLatency> m = new ArrayList<>();
        for (long i = 1; i <= n; i++) {
            m.add(new MinuteLatency(i, 1_000, 20, p99.applyAsLong(i), 9_000));
        }
        return m;
    }

    /** Live heap and RSS as functions of the time; file handles and pauses constant. */
    private record Jvm(LongFunction<Long> heap, LongFunction<Long> rss) {}

    private static Jvm jvm(LongFunction<Long> heap, LongFunction<Long> rss) {
        return new Jvm(heap, rss);
    }

    /** Samples every 5 s from 0 to {@code durationS}; one broker's disk. */
    private static ResourceSeries series(long durationS, Map<String, Jvm> jvms, LongFunction<Long> disk) {
        List<Long> t = new ArrayList<>();
        for (long s = 0; s <= durationS; s += 5) {
            t.add(s);
        }
        Map<String, ResourceSeries.JvmSeries> js = new LinkedHashMap<>();
        for (String name : jvms.keySet().stream().sorted((a, b) -> a.equals("kpipe") ? -1 : b.equals("kpipe") ? 1
                : a.compareTo(b)).toList()) {
            Jvm j = jvms.get(name);
            // The heap after the latest collection, a sawtooth the verdict does not judge; the live heap is j.heap().
            js.put(name, new ResourceSeries.JvmSeries(map(t, j.rss()), map(t, s -> 100L), map(t, s -> s % 600 * MIB),
                    map(t, s -> s == 0 ? null : 3L), map(t, j.heap())));
        }
        return new ResourceSeries(5, t, js, Map.of("broker-1", map(t, disk)));
    }

    private static List<Long> map(List<Long> t, LongFunction<Long> f) {
        List<Long> v = new ArrayList<>();
        t.forEach(s -> v.add(f.apply(s)));
        return v;
    }
}
