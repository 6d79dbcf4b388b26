package io.kpipe.topics;

import io.kpipe.config.UsageException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;

/** Checks that a cluster answers before anything is started against it. */
public final class Connectivity {
    static final int TIMEOUT_S = 15;

    private Connectivity() {}

    /** An admin client whose calls give up in time, so that a dead address fails fast. */
    public static Admin admin(io.kpipe.config.KafkaConnection kafka) {
        return Admin.create(kafka.clientProperties(java.util.Map.of(
                org.apache.kafka.clients.admin.AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_S * 1000)));
    }

    /**
     * @throws UsageException naming {@code --topic-prefix} when the topic does not exist
     */
    public static void requireTopics(Admin admin, String topic) {
        try {
            if (!admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS).contains(topic)) {
                throw new UsageException("--topic-prefix", "topic '" + topic
                        + "' does not exist; create the pipeline topics first: kpipe topics create");
            }
        } catch (TimeoutException | ExecutionException e) {
            throw new IllegalStateException("cannot list topics: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The number of brokers.
     *
     * @throws UsageException naming {@code --bootstrap-servers} when nothing answers in time
     */
    public static int brokerCount(Admin admin, String bootstrap) {
        try {
            return admin.describeCluster().nodes().get(TIMEOUT_S, TimeUnit.SECONDS).size();
        } catch (TimeoutException | ExecutionException e) {
            throw new UsageException("--bootstrap-servers", "no Kafka broker answered at " + bootstrap
                    + " within " + TIMEOUT_S + "s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
