package io.kpipe.topics;

import io.kpipe.config.TopicSettings;
import io.kpipe.config.UsageException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the pipeline topics with explicit settings, never relying on auto-creation. Running it
 * again is harmless: an existing topic is compared with what kpipe would create, and every
 * difference is reported rather than silently accepted.
 */
public final class TopicAdmin {
    private static final long TIMEOUT_S = 30;

    /** What {@link #ensure} found or did for one topic. */
    public record Outcome(String topic, Status status, List<String> mismatches) {
        public enum Status { CREATED, EXISTS, MISMATCH }

        @Override
        public String toString() {
            return switch (status) {
                case CREATED -> "created " + topic;
                case EXISTS -> "exists  " + topic + " (settings match)";
                case MISMATCH -> "MISMATCH " + topic + ": " + String.join("; ", mismatches);
            };
        }
    }

    /** A topic as kpipe creates it. */
    public record Spec(String name, int partitions, int replication, Map<String, String> configs) {}

    private final Admin admin;

    public TopicAdmin(Admin admin) {
        this.admin = admin;
    }

    /** The specs of every pipeline topic on a cluster of {@code brokers}. */
    public static List<Spec> specs(Topics topics, TopicSettings settings, int brokers) {
        int r = settings.replicationFor(brokers);
        UsageException.require(r <= brokers, "--replication",
                "is " + r + " but the cluster has only " + brokers + " broker(s)");
        String minIsr = Integer.toString(TopicSettings.minInsyncFor(r));
        int p = settings.partitions();
        Map<String, String> log = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr);
        return List.of(
                new Spec(topics.points().name(), p, r, with(log, TopicConfig.COMPRESSION_TYPE_CONFIG, "lz4")),
                new Spec(topics.devices().name(), p, r, Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                // Compacted as well as deleted: the latest record per (sensor, window) is the answer.
                new Spec(topics.aggregates().name(), p, r, Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG,
                        TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr)),
                new Spec(topics.alerts().name(), p, r, log),
                new Spec(topics.deadLetters().name(), p, r, log));
    }

    public List<Outcome> ensure(Collection<Spec> specs) {
        List<Outcome> out = new ArrayList<>();
        for (Spec spec : specs) {
            out.add(ensure(spec));
        }
        awaitLeaders(specs.stream().map(Spec::name).toList());
        return out;
    }

    /**
     * Waits until every partition of {@code names} has a leader: a topic just created is not at once
     * known to every broker, and a Kafka Streams global store fails to start on a topic whose
     * partitions it cannot see yet.
     */
    private void awaitLeaders(List<String> names) {
        long deadline = System.currentTimeMillis() + TIMEOUT_S * 1000L;
        while (true) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS);
                if (d.values().stream().allMatch(t -> !t.partitions().isEmpty()
                        && t.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()))) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                // Not known yet: retry until the deadline.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("topics " + names + " have no leader after " + TIMEOUT_S + "s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    private Outcome ensure(Spec spec) {
        NewTopic nt = new NewTopic(spec.name(), spec.partitions(), (short) spec.replication()).configs(spec.configs());
        try {
            admin.createTopics(List.of(nt)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            return new Outcome(spec.name(), Outcome.Status.CREATED, List.of());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                List<String> diff = compare(spec);
                return new Outcome(spec.name(), diff.isEmpty() ? Outcome.Status.EXISTS : Outcome.Status.MISMATCH, diff);
            }
            if (e.getCause() instanceof InvalidReplicationFactorException) {
                throw new UsageException("--replication", e.getCause().getMessage());
            }
            throw new IllegalStateException("cannot create topic " + spec.name() + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("creating topic " + spec.name() + " timed out after " + TIMEOUT_S + "s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private List<String> compare(Spec spec) {
        TopicDescription d = get(admin.describeTopics(List.of(spec.name())).allTopicNames(), "describe topic")
                .get(spec.name());
        List<String> diff = new ArrayList<>();
        if (d.partitions().size() != spec.partitions()) {
            diff.add("partitions " + d.partitions().size() + ", expected " + spec.partitions());
        }
        int replicas = d.partitions().get(0).replicas().size();
        if (replicas != spec.replication()) {
            diff.add("replication " + replicas + ", expected " + spec.replication());
        }
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, spec.name());
        Config cfg = get(admin.describeConfigs(List.of(res)).all(), "describe topic configs").get(res);
        for (Map.Entry<String, String> want : spec.configs().entrySet()) {
            ConfigEntry have = cfg.get(want.getKey());
            String value = have == null ? null : have.value();
            if (!want.getValue().equals(value)) {
                diff.add(want.getKey() + "=" + value + ", expected " + want.getValue());
            }
        }
        return diff;
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> f, String what) {
        try {
            return f.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " timed out after " + TIMEOUT_S + "s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Map<String, String> with(Map<String, String> base, String k, String v) {
        Map<String, String> m = new LinkedHashMap<>(base);
        m.put(k, v);
        return Map.copyOf(m);
    }
}
