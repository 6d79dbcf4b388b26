package io.kpipe.process;

import io.kpipe.config.ProcessorConfig;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running processor: one {@link KafkaStreams} instance of {@link PointTopology}. Several of them
 * with the same application id, on any machines, share the partitions of {@code points}.
 */
public final class PointProcessor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PointProcessor.class);

    private final KafkaStreams streams;
    private final LiveWindows live = new LiveWindows();
    private final CountDownLatch running = new CountDownLatch(1);
    private volatile Throwable failure;

    private PointProcessor(ProcessorConfig config, ProcessingStats stats) {
        this.streams = new KafkaStreams(PointTopology.build(config, stats, live), PointTopology.streamsProperties(config));
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            failure = e;
            log.error("processor stopped by an unexpected error", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    }

    public static PointProcessor start(ProcessorConfig config, ProcessingStats stats) {
        PointProcessor p = new PointProcessor(config, stats);
        p.streams.start();
        return p;
    }

    /** The Kafka Streams client, for metrics. */
    public KafkaStreams streams() {
        return streams;
    }

    /** Waits until the processor has its partitions and is processing. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The latest windows of the sensors this instance owns. */
    public LiveWindows live() {
        return live;
    }

    /**
     * Which instance owns {@code sensor}'s windows: its {@code application.server} ({@code host:port}),
     * or null while that is not known (a rebalance is on).
     */
    public String owner(String sensor) {
        KeyQueryMetadata md = streams.queryMetadataForKey(PointTopology.AGGREGATE_STORE,
                Bytes.wrap(sensor.getBytes(StandardCharsets.UTF_8)), Serdes.Bytes().serializer());
        if (md == null || md.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return null;
        }
        return md.activeHost().host() + ":" + md.activeHost().port();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * Why the processor stopped, in one line (the root cause of the error that stopped it, or its
     * state), or null while it runs or rebalances.
     */
    public String stopReason() {
        Throwable f = failure;
        KafkaStreams.State s = streams.state();
        if (f == null) {
            return s.isRunningOrRebalancing() || s == KafkaStreams.State.CREATED ? null : "state " + s;
        }
        Throwable root = f;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    /** The error that stopped the processor, or null. */
    public Throwable failure() {
        return failure;
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
    }
}
