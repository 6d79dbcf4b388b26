package io.kpipe.topics;

import io.kpipe.config.Durations;
import io.kpipe.config.TopicSettings;
import io.kpipe.config.UsageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates the pipeline topics with explicit settings, never relying on auto-creation. Running it
 * again is harmless: an existing topic is compared with what kpipe would create, and every
 * difference is reported rather than silently accepted. An existing topic is never altered: on a
 * shared cluster it may not be kpipe's, and a shorter retention deletes data at once and for good
 * (docs/retention.md).
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

    /** A topic as kpipe creates it; its configs sorted by name. */
    public record Spec(String name, int partitions, int replication, Map<String, String> configs) {
        public Spec {
            configs = Collections.unmodifiableSortedMap(new TreeMap<>(configs));
        }
    }

    private final Admin admin;

    public TopicAdmin(Admin admin) {
        this.admin = admin;
    }

    /** The specs of every pipeline topic on a cluster of {@code brokers}, all kept for {@code settings.retention()}. */
    public static List<Spec> specs(Topics topics, TopicSettings settings, int brokers) {
        return specs(topics, settings, brokers, settings.retention());
    }

    /**
     * The specs of every pipeline topic on a cluster of {@code brokers}; the outputs
     * ({@code points-agg-1m}, {@code alerts}, {@code points-dlq}) are kept for
     * {@code settings.retention()} or {@code outputsAtLeast}, whichever is longer.
     */
    public static List<Spec> specs(Topics topics, TopicSettings settings, int brokers, Duration outputsAtLeast) {
        int r = settings.replicationFor(brokers);
        UsageException.require(r <= brokers, "--replication",
                "is " + r + " but the cluster has only " + brokers + " broker(s)");
        String minIsr = Integer.toString(TopicSettings.minInsyncFor(r));
        int p = settings.partitions();
        Duration outputs = settings.retention().compareTo(outputsAtLeast) >= 0 ? settings.retention() : outputsAtLeast;
        Map<String, String> isr = Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr);
        return List.of(
                new Spec(topics.points().name(), p, r, with(TopicConfigs.deleted(settings.retention()), isr,
                        Map.of(TopicConfig.COMPRESSION_TYPE_CONFIG, "lz4"))),
                new Spec(topics.devices().name(), p, r, with(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT), isr)),
                new Spec(topics.aggregates().name(), p, r, with(TopicConfigs.aggregates(outputs), isr)),
                new Spec(topics.alerts().name(), p, r, with(TopicConfigs.alerts(outputs), isr)),
                new Spec(topics.deadLetters().name(), p, r, with(TopicConfigs.deleted(outputs), isr)));
    }

    /**
     * The changelog of the processor's window store as Kafka Streams creates it from
     * {@link TopicConfigs#changelog()}: one partition per partition of {@code points}.
     */
    public static Spec changelogSpec(String name, int partitions, int replication) {
        return new Spec(name, partitions, replication, with(TopicConfigs.changelog(),
                Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(TopicSettings.minInsyncFor(replication)))));
    }

    /**
     * Compares an existing topic that another part created (Kafka Streams creates the changelog)
     * with {@code spec}: {@link Outcome.Status#EXISTS} or {@link Outcome.Status#MISMATCH}.
     */
    public Outcome check(Spec spec) {
        List<String> diff = compare(spec);
        return new Outcome(spec.name(), diff.isEmpty() ? Outcome.Status.EXISTS : Outcome.Status.MISMATCH, diff);
    }

    /**
     * Refuses topics that keep their records for less than {@code needed} (-1, forever, is enough).
     * For a run on topics that already exist (an existing cluster, an earlier {@code kpipe topics
     * create}): kpipe does not alter a topic it did not just create, so this is where a retention
     * too short for the run is found.
     *
     * @param why what needs them that long, for the message
     * @throws UsageException naming {@code --retention}
     */
    public void requireRetention(List<String> names, Duration needed, String why) {
        List<ConfigResource> res = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
        Map<ConfigResource, Config> cfg = describeConfigs(res);
        for (ConfigResource r : res) {
            ConfigEntry e = cfg.get(r).get(TopicConfig.RETENTION_MS_CONFIG);
            long ms = e == null || e.value() == null ? -1 : Long.parseLong(e.value());
            if (ms >= 0 && ms < needed.toMillis()) {
                throw new UsageException("--retention", "topic '" + r.name() + "' exists with retention.ms=" + ms
                        + " (" + Durations.format(Duration.ofMillis(ms)) + "), less than the " + Durations.format(needed)
                        + " " + why + "; raise its retention.ms or pick a new --topic-prefix");
            }
        }
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
        Config cfg = describeConfigs(List.of(res)).get(res);
        for (Map.Entry<String, String> want : spec.configs().entrySet()) {
            ConfigEntry have = cfg.get(want.getKey());
            String value = have == null ? null : have.value();
            if (!want.getValue().equals(value)) {
                diff.add(want.getKey() + "=" + value + ", expected " + want.getValue());
            }
        }
        return diff;
    }

    /**
     * The configs of {@code topics}. A topic just created is known to the controller first and to
     * each broker a moment later, and the admin client asks any broker: one that does not know the
     * topic yet answers that it does not exist. That answer is asked again (every 100 ms, within
     * the timeout); any other error is not.
     */
    private Map<ConfigResource, Config> describeConfigs(List<ConfigResource> topics) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (true) {
            try {
                return admin.describeConfigs(topics).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw new IllegalStateException("describe topic configs failed: " + text(e.getCause()), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("describe topic configs timed out after " + TIMEOUT_S + "s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** An error's message, or its class when it has none (Kafka's errors often come with an empty one). */
    private static String text(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> f, String what) {
        try {
            return f.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + text(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " timed out after " + TIMEOUT_S + "s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @SafeVarargs
    private static Map<String, String> with(Map<String, String>... parts) {
        Map<String, String> m = new TreeMap<>();
        for (Map<String, String> part : parts) {
            m.putAll(part);
        }
        return m;
    }
}
