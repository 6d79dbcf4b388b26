package io.kpipe.cli;

import io.kpipe.config.GeneratorConfig;
import io.kpipe.generate.Generator;
import io.kpipe.generate.GeneratorResult;
import io.kpipe.topics.Connectivity;
import io.kpipe.lifecycle.Resources;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclOperation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write generated points to the points topic and report what the cluster acknowledged.")
final class GenerateCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--rate", defaultValue = "max", converter = Converters.RateConverter.class,
            description = "Points per second, e.g. 333333, 500k, 1M, or max (default ${DEFAULT-VALUE}).")
    long rate;

    @Option(names = "--sensors", defaultValue = "10000", description = "Distinct sensor ids s-0..s-(K-1) (default ${DEFAULT-VALUE}).")
    int sensors;

    @Option(names = "--points", defaultValue = "0", description = "Stop after this many points (default: use --duration).")
    long points;

    @Option(names = "--duration", defaultValue = "60s", converter = Converters.DurationConverter.class,
            description = "Stop after this long, when --points is not given (default ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--invalid-ratio", defaultValue = "0", description = "Share of malformed points (default ${DEFAULT-VALUE}).")
    double invalidRatio;

    @Option(names = "--late-ratio", defaultValue = "0", description = "Share of points an hour late (default ${DEFAULT-VALUE}).")
    double lateRatio;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    TopicPrefixOption topicPrefix;

    @Override
    public Integer call() {
        GeneratorConfig config = new GeneratorConfig(connection.connection(), topicPrefix.prefix, rate, sensors, points,
                duration, invalidRatio, lateRatio, seed);
        try (Admin admin = Connectivity.admin(config.kafka())) {
            Connectivity.brokerCount(admin, config.kafka());
            Connectivity.requireTopics(admin, config.kafka(), java.util.Map.of(
                    io.kpipe.topics.Topics.withPrefix(topicPrefix.prefix).points().name(), AclOperation.WRITE));
        }
        GeneratorResult r;
        try (Resources resources = new Resources()) {
            Generator g = resources.add(new Generator(config));
            r = g.run();
        }
        spec.commandLine().getOut().printf(Locale.ROOT, "sent %,d points in %.1f s (%,.0f/s): valid %,d (of which late %,d), invalid %,d, send failed %,d%s%n",
                r.produced(), r.elapsed().toMillis() / 1000.0, r.produced() / Math.max(0.001, r.elapsed().toMillis() / 1000.0),
                r.valid(), r.lateIntended(), r.invalid(), r.sendFailed(), r.notSent() == 0 ? ""
                        : String.format(Locale.ROOT, "; behind schedule at the end, not sent %,d (catches up at most 10%% above the rate)", r.notSent()));
        return r.sendFailed() == 0 ? Main.OK : Main.FAILED;
    }
}
