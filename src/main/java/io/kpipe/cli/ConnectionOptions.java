package io.kpipe.cli;

import io.kpipe.config.KafkaConnection;
import io.kpipe.config.Secrets;
import io.kpipe.config.UsageException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/** Where the Kafka cluster is, and client settings passed through to Kafka untouched. */
final class ConnectionOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka cluster to use (for run: instead of starting a local one).")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties file (security.protocol, sasl.*, ssl.*, ...), passed through.")
    Path kafkaConfig;

    @Option(names = "-X", paramLabel = "KEY=VALUE",
            description = "One Kafka client setting, passed through; repeatable. Wins over --kafka-config. "
                    + "Secrets (sasl.jaas.config, ssl.*.password...) only in --kafka-config, never here.")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** Client settings from the file, then from -X; a secret given with -X is refused (see {@link Secrets}). */
    Map<String, String> clientConfig() {
        Secrets.requireNotOnCommandLine(overrides);
        Map<String, String> all = new LinkedHashMap<>();
        if (kafkaConfig != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(kafkaConfig)) {
                p.load(r);
            } catch (IOException e) {
                throw new UsageException("--kafka-config", "cannot read " + kafkaConfig + " (" + e.getMessage() + ")");
            }
            p.stringPropertyNames().forEach(k -> all.put(k, p.getProperty(k)));
        }
        all.putAll(overrides);
        return all;
    }

    KafkaConnection connection() {
        UsageException.require(bootstrapServers != null, "--bootstrap-servers", "is required (HOST:PORT[,HOST:PORT...])");
        return new KafkaConnection(bootstrapServers, clientConfig());
    }
}
