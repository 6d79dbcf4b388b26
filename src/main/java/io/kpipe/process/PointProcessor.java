package io.kpipe.process;

import io.kpipe.config.Engine;
import io.kpipe.config.ProcessorConfig;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running processor: one {@link KafkaStreams} instance of {@link PointTopology} (or, with
 * {@code --engine dsl}, of {@link DslTopology}). Several of them
 * with the same application id, on any machines, share the partitions of {@code points}.
 */
public final class PointProcessor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PointProcessor.class);

    private final KafkaStreams streams;
    private final String applicationServer;
    /** The window store, by which queries find a sensor's owner. */
    private final String store;
    private final LiveWindows live = new LiveWindows();
    private final CountDownLatch running = new CountDownLatch(1);
    private volatile Throwable failure;

    private PointProcessor(ProcessorConfig config, ProcessingStats stats) {
        this.applicationServer = config.applicationServer();
        this.store = config.engine() == Engine.DSL ? DslTopology.STORE : PointTopology.AGGREGATE_STORE;
        this.streams = new KafkaStreams(config.engine() == Engine.DSL ? DslTopology.build(config, stats, live)
                : PointTopology.build(config, stats, live), PointTopology.streamsProperties(config));
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        StreamThreadFailures failures = new StreamThreadFailures();
        streams.setUncaughtExceptionHandler(e -> {
            StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse r = failures.decide(e);
            if (r == StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD) {
                log.warn("a transaction was aborted under a stream thread (the broker's transaction timeout passed: "
                        + "a broker frozen or cut off?); the thread is replaced and its tasks start again from the "
                        + "last commit ({} of at most {} so far): {}", failures.replaced(),
                        StreamThreadFailures.MAX_REPLACEMENTS, e.toString());
                return r;
            }
            failure = e;
            log.error("processor stopped by an unexpected error", e);
            return r;
        });
    }

    public static PointProcessor start(ProcessorConfig config, ProcessingStats stats) {
        return create(config, stats).start();
    }

    /**
     * The processor, not started yet (Kafka Streams state CREATED): for a caller that hands it to
     * others (the query API) before {@link #start}, which blocks until the device registry is loaded.
     */
    public static PointProcessor create(ProcessorConfig config, ProcessingStats stats) {
        return new PointProcessor(config, stats);
    }

    /** Starts it: joins its group; returns once the global store (the device registry) is loaded. */
    public PointProcessor start() {
        streams.start();
        return this;
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

    /** This instance's {@code application.server} ({@code host:port} others reach its queries at), or null. */
    public String applicationServer() {
        return applicationServer;
    }

    /** The instance that owns a sensor's windows ({@code host:port}, an IPv6 host in brackets) and the sensor's partition. */
    public record Owner(String address, int partition) {}

    /**
     * Which instance owns {@code sensor}'s windows, and the partition of {@code points} it is in, as
     * the metadata says; null while that is not known: the instance is not running or rebalancing,
     * the metadata is being rebuilt, or no instance has the partition yet.
     */
    public Owner owner(String sensor) {
        KeyQueryMetadata md;
        try {
            md = streams.queryMetadataForKey(store,
                    Bytes.wrap(sensor.getBytes(StandardCharsets.UTF_8)), Serdes.Bytes().serializer());
        } catch (IllegalStateException | StreamsException e) {
            return null;   // not (or no longer) running or rebalancing
        }
        if (md == null || md.equals(KeyQueryMetadata.NOT_AVAILABLE) || md.activeHost().port() < 0) {
            return null;   // port -1: HostInfo.unavailable(), the partition is assigned to nobody yet
        }
        String host = md.activeHost().host();
        return new Owner((host.contains(":") ? "[" + host + "]" : host) + ":" + md.activeHost().port(), md.partition());
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
