package io.kpipe.run;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Whether a consumer group (the processor's application id) has committed everything in a topic.
 * A processor commits only after its output for those records is written (and, under
 * exactly-once, committed in the same transaction), so a drained input means complete output.
 */
public final class Drain {
    private final Admin admin;
    private final String group;
    private final String topic;

    public Drain(Admin admin, String group, String topic) {
        this.admin = admin;
        this.group = group;
        this.topic = topic;
    }

    /** Records of the topic not yet committed by the group. */
    public long lag() throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> e : Offsets.end(admin, topic).entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            lag += e.getValue() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    /** Waits until the lag is 0; false if {@code timeout} passed first. */
    public boolean await(Duration timeout) throws InterruptedException {
        return await(timeout, new Vitals());
    }

    /**
     * Waits until the lag is 0; false if {@code timeout} passed first.
     *
     * @throws DeadPartException as soon as a part the lag depends on is dead: it would never fall
     */
    boolean await(Duration timeout, Vitals parts) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            parts.check();
            try {
                if (lag() == 0) {
                    return true;
                }
            } catch (ExecutionException | TimeoutException e) {
                // A broker may be busy or restarting; ask again.
            }
            Thread.sleep(250);
        }
        return false;
    }
}
