package io.kpipe.cluster;

import io.kpipe.lifecycle.FreePorts;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.Role;
import io.kpipe.config.RoleConnections;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.UsageException;
import io.kpipe.hosts.VirtualHosts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka cluster in KRaft mode on 127.0.0.1: N combined broker+controller nodes, each a child JVM.
 *
 * <pre>
 * try (LocalCluster cluster = LocalCluster.start(ClusterConfig.ofBrokers(1))) {
 *     String bootstrap = cluster.bootstrapServers();
 *     ...
 * }
 * </pre>
 *
 * Storage is formatted on first start. On {@link VirtualHosts} ({@code --hosts}) each broker runs
 * on a host of its own and listens on, and advertises, that host's address (its controller too):
 * every broker on the same ports, the client port and the next one for the controller. With {@link ClusterConfig#secured()} the brokers serve
 * SASL_SSL with SCRAM logins and ACLs ({@link ClusterSecurity}): {@link #security()} has each
 * role's client settings, and {@link #grant} adds a pipeline's ACLs. Brokers stop on {@link #close()} and, because each watches
 * its stdin and has a watchdog that thaws it if it is frozen, when this process dies however it dies. It registers no shutdown hook of its own: the
 * owner closes it in order, after the clients that use it (see {@code lifecycle.Resources}).
 */
public final class LocalCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final long STOP_TIMEOUT_MS = 20_000;
    /** The client port of every broker on hosts of their own (--hosts) when none is given; the controller's is the next. */
    static final int HOST_PORT = 9092;
    /** A broker's log directory (its {@code log.dirs}), inside the broker's directory. */
    private static final String LOG_DIR = "data";

    private final ClusterConfig config;
    private final Path dataDir;
    private final boolean deleteOnClose;
    private final List<BrokerProcess> brokers;
    private final ClusterSecurity security;
    private final Set<Integer> paused = new HashSet<>();
    private boolean closed;

    private LocalCluster(ClusterConfig config, Path dataDir, boolean deleteOnClose, List<BrokerProcess> brokers,
                         ClusterSecurity security) {
        this.config = config;
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        this.brokers = new CopyOnWriteArrayList<>(brokers);
        this.security = security;
    }

    /** Starts the brokers and returns once all of them are registered and serving. */
    public static LocalCluster start(ClusterConfig config) {
        return start(config, null);
    }

    /**
     * Starts the brokers, each on a new host {@code broker-N} of {@code hosts} (null: all on
     * 127.0.0.1), and returns once all of them are registered and serving.
     */
    public static LocalCluster start(ClusterConfig config, VirtualHosts hosts) {
        UsageException.require(hosts == null || !config.secured(), "--hosts",
                "runs a plaintext cluster; --security sasl_ssl on hosts is not supported yet");
        Path dir;
        boolean temporary = config.dataDir() == null;
        try {
            dir = temporary ? Files.createTempDirectory("kpipe-cluster-") : Files.createDirectories(config.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + config.dataDir(), e);
        }
        boolean formatted = Files.exists(dir.resolve("cluster.id"));
        UsageException.require(config.secured() || !ClusterSecurity.madeIn(dir), "--security",
                "the cluster in " + dir + " was made sasl_ssl: start it with --security sasl_ssl");
        ClusterSecurity security;
        try {
            security = config.secured() ? ClusterSecurity.prepare(dir, formatted) : null;
        } catch (RuntimeException e) {
            if (temporary) {
                deleteRecursively(dir);
            }
            throw e;
        }
        String clusterId = clusterId(dir);
        int n = config.brokers();
        int[] brokerPorts = new int[n];
        int[] controllerPorts = new int[n];
        VirtualHosts.Host[] on = new VirtualHosts.Host[n];
        String[] addresses = new String[n];
        if (hosts == null) {
            int[] free = FreePorts.take(config.port() == 0 ? 2 * n : n);
            for (int i = 0; i < n; i++) {
                brokerPorts[i] = config.port() == 0 ? free[2 * i] : config.port() + i;
                controllerPorts[i] = config.port() == 0 ? free[2 * i + 1] : free[i];
                addresses[i] = "127.0.0.1";
            }
        } else {
            // A host of its own: every port is free there.
            int port = config.port() == 0 ? HOST_PORT : config.port();
            for (int i = 0; i < n; i++) {
                on[i] = hosts.host("broker-" + (i + 1));
                brokerPorts[i] = port;
                controllerPorts[i] = port == 65535 ? port - 1 : port + 1;
                addresses[i] = on[i].address();
            }
        }
        String voters = java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> (i + 1) + "@" + addresses[i] + ":" + controllerPorts[i])
                .collect(Collectors.joining(","));
        List<BrokerProcess> started = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int nodeId = i + 1;
            Map<String, String> props = serverProperties(config, nodeId, addresses[i], brokerPorts[i],
                    controllerPorts[i], voters, dir.resolve("broker-" + nodeId));
            List<String> scram = List.of();
            if (security != null) {
                security.applyTo(props, brokerPorts[i], controllerPorts[i]);
                scram = formatted ? List.of() : security.formatScramArguments();
            }
            started.add(BrokerProcess.start(nodeId, brokerPorts[i], dir.resolve("broker-" + nodeId), clusterId, props,
                    scram, hosts, on[i]));
        }
        LocalCluster cluster = new LocalCluster(config, dir, temporary && !config.keepData(), started, security);
        try {
            if (security != null) {
                // Before the first client: their truststore is the CA's PEM in the clients' directory.
                security.writeClientFiles(cluster.bootstrapServers());
            }
            cluster.awaitReady();
            if (security != null) {
                try (Admin admin = Admin.create(cluster.adminProperties())) {
                    security.createUsers(admin);
                }
            }
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        log.info("Kafka cluster of {} broker(s) ready at {} (data in {})", n, cluster.bootstrapServers(), dir);
        return cluster;
    }

    static Map<String, String> serverProperties(ClusterConfig c, int nodeId, String address, int port,
                                                int controllerPort, String voters, Path brokerDir) {
        String r = Integer.toString(c.replication());
        String minIsr = Integer.toString(c.minInsync());
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://" + address + ":" + port + ",CONTROLLER://" + address + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + address + ":" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", brokerDir.resolve(LOG_DIR).toString());
        p.put("auto.create.topics.enable", "false");
        p.put("default.replication.factor", r);
        p.put("min.insync.replicas", minIsr);
        p.put("offsets.topic.replication.factor", r);
        p.put("offsets.topic.num.partitions", "12");
        p.put("transaction.state.log.replication.factor", r);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("transaction.state.log.num.partitions", "12");
        p.put("share.coordinator.state.topic.replication.factor", r);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("group.initial.rebalance.delay.ms", "0");
        // Sized for a machine of two cores shared with the clients.
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("num.replica.fetchers", "1");
        p.put("num.recovery.threads.per.data.dir", "1");
        return p;
    }

    private static String clusterId(Path dir) {
        Path file = dir.resolve("cluster.id");
        try {
            if (Files.exists(file)) {
                return Files.readString(file).trim();
            }
            String id = Uuid.randomUuid().toString();
            Files.writeString(file, id + "\n");
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
    }

    /** An admin client's settings: on a secured cluster, those of the admin principal. */
    private Properties adminProperties() {
        Properties p = new Properties();
        if (security != null) {
            p.putAll(security.clientSettings(Role.ADMIN));
        }
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        return p;
    }

    /** The security of a secured cluster (client settings and files of each role); null for plaintext. */
    public ClusterSecurity security() {
        return security;
    }

    /**
     * The connection of each role: on a secured cluster each logs in as its own principal, with
     * {@code userConfig} (-X, --kafka-config) on top; on a plaintext one all share {@code userConfig}.
     */
    public RoleConnections connections(Map<String, String> userConfig) {
        return security == null ? RoleConnections.all(new KafkaConnection(bootstrapServers(), userConfig))
                : security.connections(bootstrapServers(), userConfig);
    }

    /**
     * Creates {@code acls} on a secured cluster and waits until every broker applies them and
     * knows every user (see {@link ClusterSecurity#grant}); nothing on a plaintext one.
     */
    public void grant(List<AclBinding> acls) throws InterruptedException {
        if (security == null) {
            return;
        }
        try (Admin admin = Admin.create(adminProperties())) {
            security.grant(admin, brokers.stream().map(BrokerProcess::address).toList(), acls);
        }
    }

    private void awaitReady() {
        Properties p = adminProperties();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (Admin admin = Admin.create(p)) {
            while (true) {
                for (BrokerProcess b : brokers) {
                    if (!b.isAlive()) {
                        throw new IllegalStateException("broker " + b.nodeId() + " exited during start; see "
                                + b.directory().resolve("console.log") + " and server.log beside it");
                    }
                }
                try {
                    int up = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
                    if (up == brokers.size()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    // Not serving yet.
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Kafka cluster not ready after " + READY_TIMEOUT.toSeconds()
                            + "s; broker logs are under " + dataDir);
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the cluster", e);
        }
    }

    /** {@code 127.0.0.1:P1,127.0.0.1:P2,...}, or with --hosts {@code 10.A.B.11:9092,10.A.B.12:9092,...} */
    public String bootstrapServers() {
        return brokers.stream().map(BrokerProcess::address).collect(Collectors.joining(","));
    }

    public List<BrokerProcess> brokers() {
        return List.copyOf(brokers);
    }

    /** The broker with this node id (1..N). */
    public BrokerProcess broker(int nodeId) {
        if (nodeId < 1 || nodeId > brokers.size()) {
            throw new IllegalArgumentException("no broker " + nodeId + "; this cluster has 1.." + brokers.size());
        }
        return brokers.get(nodeId - 1);
    }

    /** Where broker {@code nodeId} keeps its partitions ({@code log.dirs}). */
    public Path logDir(int nodeId) {
        return broker(nodeId).directory().resolve(LOG_DIR);
    }

    /** Kills a broker with SIGKILL, as a machine failure would; returns the PID it had. */
    public synchronized long kill(int nodeId) {
        BrokerProcess b = broker(nodeId);
        if (paused.remove(nodeId)) {
            b.signal("CONT");
        }
        b.kill();
        return b.pid();
    }

    /** Starts a killed broker again on its data; returns its new PID. Does not wait until it serves. */
    public synchronized long restart(int nodeId) {
        BrokerProcess b = broker(nodeId);
        if (b.isAlive()) {
            throw new IllegalStateException("broker " + nodeId + " is running (pid " + b.pid() + ")");
        }
        BrokerProcess again = b.restart();
        brokers.set(nodeId - 1, again);
        return again.pid();
    }

    /** SIGSTOP: the broker freezes (its connections stay open, nothing answers) until {@link #resume}. */
    public synchronized long pause(int nodeId) {
        BrokerProcess b = broker(nodeId);
        b.signal("STOP");
        paused.add(nodeId);
        return b.pid();
    }

    /** SIGCONT after {@link #pause}. */
    public synchronized long resume(int nodeId) {
        BrokerProcess b = broker(nodeId);
        if (paused.remove(nodeId)) {
            b.signal("CONT");
        }
        return b.pid();
    }

    /** Each broker's state by node id: {@code up}, {@code paused} (SIGSTOPped) or {@code down}. */
    public synchronized java.util.Map<Integer, String> brokerStates() {
        java.util.Map<Integer, String> m = new java.util.TreeMap<>();
        for (BrokerProcess b : brokers()) {
            m.put(b.nodeId(), paused.contains(b.nodeId()) ? "paused" : b.isAlive() ? "up" : "down");
        }
        return m;
    }

    public ClusterConfig config() {
        return config;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops every broker (SIGTERM, SIGKILL after a bounded wait) and deletes temporary data. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // A frozen broker would not hear SIGTERM until thawed.
        for (int id : List.copyOf(paused)) {
            broker(id).signal("CONT");
        }
        paused.clear();
        brokers.forEach(BrokerProcess::requestStop);
        long deadline = System.currentTimeMillis() + STOP_TIMEOUT_MS;
        for (BrokerProcess b : brokers) {
            b.awaitStop(Math.max(1, deadline - System.currentTimeMillis()));
        }
        if (deleteOnClose) {
            deleteRecursively(dataDir);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete {}: {}", dir, e.getMessage());
        }
    }
}
