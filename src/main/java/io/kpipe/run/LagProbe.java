package io.kpipe.run;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The processor group's lag on {@code points} per partition (log end offset less the committed
 * offset), read with the admin client every 2 seconds on a thread of its own, for metrics.
 */
public final class LagProbe implements AutoCloseable {
    private final Admin admin;
    private final String group;
    private final String topic;
    private final Map<Integer, Long> lag = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kpipe-lag");
        t.setDaemon(true);
        return t;
    });

    public LagProbe(Admin admin, String group, String topic, int partitions) {
        this.admin = admin;
        this.group = group;
        this.topic = topic;
        for (int p = 0; p < partitions; p++) {
            lag.put(p, 0L);
        }
        timer.scheduleWithFixedDelay(this::probe, 0, 2, TimeUnit.SECONDS);
    }

    private void probe() {
        try {
            Map<TopicPartition, Long> end = Offsets.end(admin, topic);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            end.forEach((tp, e) -> {
                OffsetAndMetadata c = committed.get(tp);
                lag.put(tp.partition(), Math.max(0, e - (c == null ? 0 : c.offset())));
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // The next probe tries again; a gauge keeps its last value meanwhile.
        }
    }

    /** The last lag seen on {@code partition}. */
    public long lag(int partition) {
        return lag.getOrDefault(partition, 0L);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
