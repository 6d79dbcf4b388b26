package io.kpipe.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.lifecycle.JvmStats;
import io.kpipe.run.MinuteLatency;
import io.kpipe.run.ResourceSampler;
import io.kpipe.run.ResourceSeries;
import java.time.Duration;
import java.util.List;

/**
 * What a soak trial adds to its timeline: the resources of every JVM and the brokers' disk over
 * the whole run ({@link ResourceSampler}, every {@link #SAMPLE_EVERY}), the latencies minute by
 * minute, and the {@link SoakVerdict pass criteria}, judged.
 */
public record Soak(
        @JsonProperty("resources") ResourceSeries resources,
        @JsonProperty("minutes") List<MinuteLatency> minutes,
        @JsonProperty("criteria") List<SoakVerdict.Criterion> criteria,
        @JsonProperty("passed") boolean passed) {

    /** Often enough to see a trend within minutes, rarely enough to cost nothing a point could feel. */
    public static final Duration SAMPLE_EVERY = Duration.ofSeconds(5);
    /**
     * How often each JVM is asked for a full collection, so that its live heap is sampled: often
     * enough for a median in each 10-minute window, rarely enough that the pauses (a few hundred ms
     * each) stay out of the p99 of all but a few minutes. Shorter runs ask every sixth of their
     * duration (at least every sample), so that each window they compare has some.
     */
    public static final Duration FULL_GC_EVERY = Duration.ofMinutes(3);

    /** {@link #FULL_GC_EVERY}, or a sixth of a shorter run of {@code durationS}, at least {@link #SAMPLE_EVERY}. */
    public static Duration fullGcEvery(long durationS) {
        Duration sixth = Duration.ofSeconds(durationS / 6);
        Duration d = sixth.compareTo(FULL_GC_EVERY) < 0 ? sixth : FULL_GC_EVERY;
        return d.compareTo(SAMPLE_EVERY) < 0 ? SAMPLE_EVERY : d;
    }

    public Soak {
        minutes = List.copyOf(minutes);
        criteria = List.copyOf(criteria);
    }

    /**
     * A sampler of this JVM, each broker of {@code cluster} (followed across a restart) and each broker's
     * log directory, which asks each JVM for a full collection every {@link #fullGcEvery} of a run of
     * {@code durationS}.
     */
    static ResourceSampler sampler(LocalCluster cluster, long durationS) {
        ResourceSampler s = new ResourceSampler(SAMPLE_EVERY).fullGcEvery(fullGcEvery(durationS))
                .watch(ResourceSampler.Jvm.self());
        for (var b : cluster.brokers()) {
            int id = b.nodeId();
            String name = "broker-" + id;
            s.watch(new ResourceSampler.Jvm(name, () -> cluster.broker(id).pid(),
                    b.directory().resolve(JvmStats.FILE))).disk(name, cluster.logDir(id));
        }
        return s;
    }
}
