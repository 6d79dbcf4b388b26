package io.kpipe.config;

import io.kpipe.config.ProcessorConfig.Guarantee;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of {@code kpipe run}: a local cluster of {@code cluster.brokers()} brokers, or an
 * existing one when {@code bootstrapServers} is set; the generator's load; the processor's guarantee.
 * Latency percentiles of the summary leave out the first {@code warmup} (JIT, first rebalance).
 */
public record RunConfig(
        ClusterConfig cluster,
        String bootstrapServers,
        Map<String, String> clientConfig,
        TopicSettings topics,
        Guarantee guarantee,
        int threads,
        Duration duration,
        long rate,
        int sensors,
        double invalidRatio,
        double lateRatio,
        Duration drainTimeout,
        Duration warmup,
        Path summaryJson) {

    public RunConfig {
        UsageException.require(duration.toMillis() > 0, "--duration", "must be positive, got " + duration);
        UsageException.require(drainTimeout.toMillis() > 0, "--drain-timeout", "must be positive, got " + drainTimeout);
        UsageException.require(!warmup.isNegative() && warmup.compareTo(duration) < 0, "--warmup",
                "must be at least 0 and shorter than --duration, got " + warmup);
        GeneratorConfig.checkLoad(rate, sensors, invalidRatio, lateRatio);
        UsageException.require(threads >= 1 && threads <= 64, "--threads", "must be 1..64, got " + threads);
        clientConfig = Map.copyOf(clientConfig);
    }

    public boolean localCluster() {
        return bootstrapServers == null;
    }
}
