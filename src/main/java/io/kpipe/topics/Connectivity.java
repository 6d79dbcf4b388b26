package io.kpipe.topics;

import io.kpipe.config.Durations;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.UsageException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Checks that a cluster answers before anything is started against it. */
public final class Connectivity {
    static final int TIMEOUT_S = 15;

    private Connectivity() {}

    /**
     * An admin client whose calls give up in time, so that a dead address fails fast: after
     * {@link #timeout} (Kafka's {@code default.api.timeout.ms}, which {@code -X} may set).
     */
    public static Admin admin(KafkaConnection kafka) {
        long timeoutMs = timeout(kafka).toMillis();
        return Admin.create(kafka.clientProperties(java.util.Map.of(
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(10_000, timeoutMs),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs)));
    }

    /** How long a check waits for the cluster: {@code default.api.timeout.ms} if the user set it, else 15 s. */
    static Duration timeout(KafkaConnection kafka) {
        String ms = kafka.clientConfig().get(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        try {
            return ms == null ? Duration.ofSeconds(TIMEOUT_S) : Duration.ofMillis(Math.max(1, Integer.parseInt(ms.strip())));
        } catch (NumberFormatException e) {
            throw new UsageException(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "must be a number of milliseconds, got '" + ms + "'");
        }
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
     * @throws UsageException naming {@code --bootstrap-servers} when nothing answers within {@link #timeout}
     */
    public static int brokerCount(Admin admin, KafkaConnection kafka) {
        Duration timeout = timeout(kafka);
        try {
            return admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
        } catch (TimeoutException | ExecutionException e) {
            throw new UsageException("--bootstrap-servers", "no Kafka broker answered at " + kafka.bootstrapServers()
                    + " within " + Durations.format(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
