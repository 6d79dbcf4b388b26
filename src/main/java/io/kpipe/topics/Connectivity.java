package io.kpipe.topics;

import io.kpipe.config.Durations;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.UsageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

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
     * Checks, before any work starts, that each topic exists and that this client's principal may
     * do the operation given for it (READ, WRITE...), as the brokers' ACLs say
     * ({@code describeTopics} with the authorized operations). A secured cluster would otherwise
     * refuse the first fetch or send with an error that names the topic but not the operation.
     *
     * @param needs topic and operation, checked and named in the map's order
     * @param kafka the connection, for the user name in the message; null when unknown
     * @throws UsageException naming {@code --topic-prefix} when a topic does not exist
     * @throws NotAuthorizedException naming the principal and every missing operation, e.g.
     *         {@code user 'sink' may not READ topic 'points'}
     */
    public static void requireTopics(Admin admin, KafkaConnection kafka, Map<String, AclOperation> needs) {
        Map<String, org.apache.kafka.common.KafkaFuture<TopicDescription>> described = admin.describeTopics(
                needs.keySet(), new DescribeTopicsOptions().includeAuthorizedOperations(true)).topicNameValues();
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, AclOperation> need : needs.entrySet()) {
            String topic = need.getKey();
            AclOperation op = need.getValue();
            try {
                Set<AclOperation> allowed = described.get(topic).get(TIMEOUT_S, TimeUnit.SECONDS).authorizedOperations();
                if (allowed != null && !allowed.contains(op) && !allowed.contains(AclOperation.ALL)) {
                    missing.add(op + " topic '" + topic + "'");
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    throw new UsageException("--topic-prefix", "topic '" + topic
                            + "' does not exist; create the pipeline topics first: kpipe topics create");
                }
                if (e.getCause() instanceof TopicAuthorizationException) {
                    // Not even DESCRIBE: the cluster does not say whether the topic exists.
                    missing.add(op + " topic '" + topic + "'");
                    continue;
                }
                throw new IllegalStateException("cannot describe topic '" + topic + "': " + e.getCause().getMessage(), e);
            } catch (TimeoutException e) {
                throw new IllegalStateException("cannot describe topic '" + topic + "': " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        if (!missing.isEmpty()) {
            throw new NotAuthorizedException(principal(kafka) + " may not " + String.join(", ", missing)
                    + ": no ACL allows it (kpipe's principals and their ACLs: docs/security.md)");
        }
    }

    /** {@code user 'NAME'} from the SASL login in the client settings, or {@code this client}. */
    static String principal(KafkaConnection kafka) {
        String jaas = kafka == null ? null : kafka.clientConfig().get("sasl.jaas.config");
        Matcher m = jaas == null ? null : USERNAME.matcher(jaas);
        return m != null && m.find() ? "user '" + m.group(1) + "'" : "this client";
    }

    private static final Pattern USERNAME = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");

    /**
     * A one-line usage error for a login the cluster refused (a wrong password, an unknown user, a
     * certificate not trusted) anywhere in {@code e}'s causes, naming the setting to check; null if none.
     */
    public static UsageException loginRefused(KafkaConnection kafka, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AuthenticationException a) {
                String setting = a instanceof SslAuthenticationException ? "ssl.truststore.location" : "sasl.jaas.config";
                return new UsageException(setting, "the cluster at " + kafka.bootstrapServers() + " refused the login of "
                        + principal(kafka) + ": " + a.getMessage());
            }
        }
        return null;
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
            UsageException refused = loginRefused(kafka, e);
            if (refused != null) {
                throw refused;
            }
            throw new UsageException("--bootstrap-servers", "no Kafka broker answered at " + kafka.bootstrapServers()
                    + " within " + Durations.format(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
