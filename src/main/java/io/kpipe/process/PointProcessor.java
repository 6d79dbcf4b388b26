package io.kpipe.process;

import io.kpipe.config.ProcessorConfig;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
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
    private final CountDownLatch running = new CountDownLatch(1);
    private volatile Throwable failure;

    private PointProcessor(ProcessorConfig config, ProcessingStats stats) {
        this.streams = new KafkaStreams(PointTopology.build(config, stats), PointTopology.streamsProperties(config));
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

    /** Waits until the processor has its partitions and is processing. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public KafkaStreams.State state() {
        return streams.state();
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
