package io.kpipe.config;

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
        clientConfig = Map.copyOf(clientConfig);
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
