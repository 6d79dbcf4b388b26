package io.kpipe.testing;

import io.kpipe.config.KafkaConnection;
import io.kpipe.config.TopicSettings;
import io.kpipe.topics.TopicAdmin;
import io.kpipe.topics.Topics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/** Small helpers shared by the integration tests. */
public final class Pipelines {
    private Pipelines() {}

    public static List<TopicAdmin.Outcome> createTopics(KafkaConnection kafka, String prefix, int partitions) {
        try (Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
            TopicAdmin ta = new TopicAdmin(admin);
            return ta.ensure(TopicAdmin.specs(Topics.withPrefix(prefix), new TopicSettings(prefix, partitions, 0),
                    io.kpipe.run.Connectivity.brokerCount(admin, kafka.bootstrapServers())));
        }
    }
}
