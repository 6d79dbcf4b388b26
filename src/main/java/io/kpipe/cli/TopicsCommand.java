package io.kpipe.cli;

import io.kpipe.config.TopicSettings;
import io.kpipe.topics.Connectivity;
import io.kpipe.topics.TopicAdmin;
import io.kpipe.topics.Topics;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "topics", mixinStandardHelpOptions = true, description = "Manage the pipeline's topics.",
        subcommands = TopicsCommand.Create.class)
final class TopicsCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Create every pipeline topic with explicit settings.",
                    "Existing topics are checked, never altered; a mismatch is reported and the exit code is 1."})
    static final class Create implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        ConnectionOptions connection;

        @Option(names = "--partitions", defaultValue = "12", description = "Partitions (default ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--replication", defaultValue = "0", description = "Replication factor (default: min(3, brokers)).")
        int replication;

        @Mixin
        TopicPrefixOption topicPrefix;

        @Mixin
        RetentionOption retention;

        @Override
        public Integer call() {
            TopicSettings settings = new TopicSettings(topicPrefix.prefix, partitions, replication, retention.retention);
            var kafka = connection.connection();
            try (Admin admin = Connectivity.admin(kafka)) {
                int brokers = Connectivity.brokerCount(admin, kafka);
                List<TopicAdmin.Outcome> outcomes = new TopicAdmin(admin)
                        .ensure(TopicAdmin.specs(Topics.withPrefix(topicPrefix.prefix), settings, brokers));
                outcomes.forEach(spec.commandLine().getOut()::println);
                return outcomes.stream().anyMatch(o -> o.status() == TopicAdmin.Outcome.Status.MISMATCH)
                        ? Main.FAILED : Main.OK;
            }
        }
    }
}
