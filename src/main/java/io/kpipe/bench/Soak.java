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

    public Soak {
        minutes = List.copyOf(minutes);
        criteria = List.copyOf(criteria);
    }

    /** A sampler of this JVM, each broker of {@code cluster} (followed across a restart) and each broker's log directory. */
    static ResourceSampler sampler(LocalCluster cluster) {
        ResourceSampler s = new ResourceSampler(SAMPLE_EVERY).watch(ResourceSampler.Jvm.self());
        for (var b : cluster.brokers()) {
            int id = b.nodeId();
            String name = "broker-" + id;
            s.watch(new ResourceSampler.Jvm(name, () -> cluster.broker(id).pid(),
                    b.directory().resolve(JvmStats.FILE))).disk(name, cluster.logDir(id));
        }
        return s;
    }
}
