package io.kpipe.cli;

import io.kpipe.cluster.BrokerProcess;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.config.SecurityMode;
import io.kpipe.config.UsageException;
import io.kpipe.hosts.VirtualHosts;
import io.kpipe.lifecycle.Resources;
import io.kpipe.sink.FileSink;
import io.kpipe.sink.PostgresSink;
import io.kpipe.topics.PipelineAcls;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "cluster", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a local Kafka cluster (KRaft) in the foreground until Ctrl-C.",
                "The first line of output is bootstrap.servers=HOST:PORT[,...].",
                "With --security sasl_ssl, the next lines name the directory of each principal's client settings",
                "and give a kcat and a kpipe command line that use them (no password is printed)."})
final class ClusterCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--brokers", defaultValue = "1", description = "Brokers (default ${DEFAULT-VALUE}); 3 or more get replication 3, min.insync 2.")
    int brokers;

    @Option(names = "--port", defaultValue = "9092", description = "Port of the first broker, the next ones follow; 0 = free ports (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", description = "Data directory, kept on exit (default: a temporary one, deleted on exit).")
    Path dataDir;

    @Option(names = "--keep-data", description = "Keep the temporary data directory on exit.")
    boolean keepData;

    @Mixin
    SecurityOption security;

    @Option(names = "--hosts",
            description = "Each broker on a host of its own (a Linux network namespace on a private bridge), listening on "
                    + "its host's address at --port (0: 9092) and the next port for its controller (docs/hosts.md).")
    boolean hosts;

    @Override
    public Integer call() throws Exception {
        ClusterConfig config = new ClusterConfig(brokers, port, dataDir, keepData, security.mode);
        VirtualHosts network = null;
        if (hosts) {
            UsageException.require(security.mode == SecurityMode.PLAINTEXT, "--hosts",
                    "runs a plaintext cluster; --security sasl_ssl on hosts is not supported yet");
            VirtualHosts.requireSupported("--hosts");
        }
        Resources resources = new Resources();
        LocalCluster cluster;
        try {
            // First in, last out: the brokers end before their network.
            network = hosts ? resources.add(VirtualHosts.create()) : null;
            cluster = resources.add(LocalCluster.start(config, network));
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
        if (cluster.security() != null) {
            // The pipeline's ACLs for the default topic names and ids (docs/security.md).
            cluster.grant(PipelineAcls.of("", ProcessorConfig.defaultApplicationId(""),
                    List.of(PostgresSink.Config.defaultGroup(""), FileSink.Config.defaultGroup(""))));
        }
        spec.commandLine().getOut().println("bootstrap.servers=" + cluster.bootstrapServers());
        if (cluster.security() != null) {
            cluster.security().describe(cluster.bootstrapServers()).forEach(spec.commandLine().getOut()::println);
        }
        spec.commandLine().getOut().flush();
        for (BrokerProcess b : cluster.brokers()) {
            spec.commandLine().getErr().printf("broker %d: pid %d, %s, log %s%n", b.nodeId(), b.pid(), b.address(),
                    b.directory().resolve("server.log"));
        }
        if (network != null) {
            spec.commandLine().getErr().printf("hosts: network %s, this machine at %s on link %s%n",
                    network.network(), network.gateway(), network.uplink());
        }
        spec.commandLine().getErr().println("data in " + cluster.dataDir() + "; Ctrl-C to stop");
        new CountDownLatch(1).await();
        return Main.OK;
    }
}
