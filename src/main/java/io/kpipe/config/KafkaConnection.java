package io.kpipe.config;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * Where the cluster is and how to talk to it. {@code clientConfig} holds Kafka client settings
 * that pass through untouched (SASL/SSL, timeouts...), from {@code --kafka-config FILE} and
 * {@code -X key=value}; kpipe's own tuning is applied first, so the user's settings win.
 */
public record KafkaConnection(String bootstrapServers, Map<String, String> clientConfig) {
    public KafkaConnection {
        UsageException.require(bootstrapServers != null && !bootstrapServers.isBlank(),
                "--bootstrap-servers", "must be host:port[,host:port...]");
        for (String hp : bootstrapServers.split(",")) {
            String s = hp.trim();
            int colon = s.lastIndexOf(':');
            UsageException.require(colon > 0 && colon < s.length() - 1 && s.substring(colon + 1).chars().allMatch(Character::isDigit),
                    "--bootstrap-servers", "'" + s + "' is not host:port");
        }
        requireGuaranteesKept(clientConfig);
        clientConfig = Map.copyOf(clientConfig);
    }

    /**
     * Settings the books depend on, with the only values kpipe accepts for them from {@code -X} or
     * {@code --kafka-config} (null: none, kpipe has a flag of its own). Prefixed forms such as
     * {@code producer.acks} or {@code main.consumer.isolation.level} are the same setting.
     */
    private static final Map<String, List<String>> GUARDED = Map.of(
            "processing.guarantee", List.of(),
            "isolation.level", List.of("read_committed"),
            "enable.auto.commit", List.of("false"),
            "enable.idempotence", List.of("true"),
            "acks", List.of("all", "-1"));

    /**
     * Refuses, with one line naming the setting, a client setting that would switch off a guarantee
     * the books depend on (see {@code GUARDED}); for configs checked before any connection is made.
     */
    public static void requireGuaranteesKept(Map<String, String> clientConfig) {
        clientConfig.forEach(KafkaConnection::requireNotWeakened);
    }

    private static void requireNotWeakened(String key, String value) {
        String name = key;
        for (String guarded : GUARDED.keySet()) {
            if (key.equals(guarded) || key.endsWith("." + guarded)) {
                name = guarded;
            }
        }
        List<String> allowed = GUARDED.get(name);
        if (allowed == null) {
            return;
        }
        UsageException.require(!allowed.isEmpty(), key,
                "cannot be set with -X or --kafka-config: kpipe's books depend on it; use --guarantee exactly_once_v2|at_least_once");
        UsageException.require(value != null && allowed.contains(value.trim().toLowerCase(java.util.Locale.ROOT)), key,
                "cannot be '" + value + "': kpipe's delivery guarantees (and its books) need " + String.join(" or ", allowed)
                        + " for every producer and consumer it runs");
    }

    /** Printable: client settings that hold secrets are masked ({@link Secrets}). */
    @Override
    public String toString() {
        return Secrets.describe(this);
    }

    public static KafkaConnection of(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, Map.of());
    }

    /** {@code tuning}, then bootstrap servers, then the user's client settings on top. */
    public Properties clientProperties(Map<String, ?> tuning) {
        Properties p = new Properties();
        p.putAll(tuning);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.putAll(clientConfig);
        return p;
    }
}
