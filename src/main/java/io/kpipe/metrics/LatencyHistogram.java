package io.kpipe.metrics;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * A Prometheus classic histogram (buckets, count, sum; seconds) made at scrape time from an
 * HdrHistogram of milliseconds that the process keeps anyway: nothing is recorded twice per point.
 */
final class LatencyHistogram implements Collector {
    /** Upper bounds in seconds, from 5 ms to a minute; +Inf is added. */
    static final double[] BOUNDS_S = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
            Double.POSITIVE_INFINITY};

    private final String name;
    private final String help;
    private final Supplier<Histogram> cumulativeMs;

    LatencyHistogram(String name, String help, Supplier<Histogram> cumulativeMs) {
        this.name = name;
        this.help = help;
        this.cumulativeMs = cumulativeMs;
    }

    @Override
    public MetricSnapshot collect() {
        Histogram h = cumulativeMs.get();
        long[] counts = new long[BOUNDS_S.length];
        long below = 0;
        for (int i = 0; i < BOUNDS_S.length; i++) {
            long upTo = Double.isInfinite(BOUNDS_S[i]) ? h.getTotalCount()
                    : h.getCountBetweenValues(0, Math.round(BOUNDS_S[i] * 1000));
            counts[i] = upTo - below;   // per bucket; the exposition adds them up
            below = upTo;
        }
        double sumS = h.getTotalCount() == 0 ? 0 : h.getMean() * h.getTotalCount() / 1000.0;
        return HistogramSnapshot.builder().name(name).help(help)
                .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS_S, counts))
                        .sum(sumS).build())
                .build();
    }

    @Override
    public String getPrometheusName() {
        return name;
    }
}
