package io.kpipe.cli;

import io.kpipe.devices.DeviceFile;
import io.kpipe.devices.DeviceRegistry;
import io.kpipe.config.UsageException;
import io.kpipe.topics.Connectivity;
import io.kpipe.topics.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclOperation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "devices", mixinStandardHelpOptions = true, description = "Manage the device registry (topic devices).",
        subcommands = DevicesCommand.Load.class)
final class DevicesCommand {

    @Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Write devices from a file to the devices topic: NDJSON, one device per line",
                    "({\"sensor\":\"s-1\",\"site\":\"plant-a\",\"type\":\"temperature\",\"unit\":\"C\",\"min\":-20,\"max\":60}),",
                    "or CSV with the header " + DeviceFile.CSV_HEADER + ".",
                    "Bad lines are listed with their numbers; exit code 0 only when every line was loaded."})
    static final class Load implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "The registry file.")
        Path file;

        @Mixin
        ConnectionOptions connection;

        @Mixin
        TopicPrefixOption topicPrefix;

        @Override
        public Integer call() throws InterruptedException {
            DeviceFile.Contents contents;
            try (BufferedReader in = Files.newBufferedReader(file)) {
                contents = DeviceFile.read(in);
            } catch (IOException e) {
                throw new UsageException("FILE", "cannot read " + file + " (" + e.getMessage() + ")");
            }
            var kafka = connection.connection();
            try (Admin admin = Connectivity.admin(kafka)) {
                Connectivity.requireTopics(admin, kafka, java.util.Map.of(
                        Topics.withPrefix(topicPrefix.prefix).devices().name(), AclOperation.WRITE));
            }
            int written = DeviceRegistry.write(kafka, topicPrefix.prefix, contents.devices());
            var out = spec.commandLine().getOut();
            out.printf("loaded %,d device(s) into %sdevices; rejected %,d line(s)%n", written, topicPrefix.prefix,
                    contents.rejected().size());
            contents.rejected().stream().limit(20).forEach(r -> out.printf("  line %d: %s%n", r.line(), r.reason()));
            if (contents.rejected().size() > 20) {
                out.printf("  ... and %,d more%n", contents.rejected().size() - 20);
            }
            return contents.rejected().isEmpty() ? Main.OK : Main.FAILED;
        }
    }
}
