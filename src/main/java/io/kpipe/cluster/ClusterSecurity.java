package io.kpipe.cluster;

import io.kpipe.config.Secrets;
import io.kpipe.cluster.internal.OwnerOnly;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.Role;
import io.kpipe.config.RoleConnections;
import io.kpipe.config.UsageException;
import io.kpipe.topics.PipelineAcls;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What makes a local cluster SASL_SSL (docs/security.md): the brokers' certificate
 * ({@link BrokerCertificate}), a random SCRAM-SHA-512 password for each user, the broker settings
 * that use them, and the client settings of each principal ({@link Role}), written as files.
 *
 * <pre>
 * DATA/security (0700)  the brokers' side: key stores and their passwords, users.properties (every password)
 * DATA/clients  (0700)  the clients' side: ca.pem; ROLE.properties (Java clients, kpipe --kafka-config);
 *                       ROLE.librdkafka.conf (kcat -F, librdkafka)
 * </pre>
 *
 * Every file is 0600. The users {@code broker} (between brokers) and {@code admin} are written into
 * the storage when it is formatted; the others are added with the admin client once the brokers
 * serve, and {@link #grant} waits until every broker knows them and their ACLs.
 */
public final class ClusterSecurity {
    /** The SASL mechanism of every login. */
    public static final String MECHANISM = "SCRAM-SHA-512";
    /** The user the brokers log in as to each other. */
    static final String BROKER_USER = "broker";
    private static final int ITERATIONS = 4096;
    private static final Duration GRANT_TIMEOUT = Duration.ofSeconds(60);
    private static final String SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule";

    private final Path securityDir;
    private final Path clientsDir;
    private final BrokerCertificate certificate;
    private final Map<String, String> passwords;

    private ClusterSecurity(Path securityDir, Path clientsDir, BrokerCertificate certificate, Map<String, String> passwords) {
        this.securityDir = securityDir;
        this.clientsDir = clientsDir;
        this.certificate = certificate;
        this.passwords = passwords;
    }

    /**
     * The security of the cluster in {@code dataDir}: made on its first start (certificate, passwords),
     * read again when it starts on the same data.
     *
     * @param formatted whether the brokers' storage in {@code dataDir} was formatted before
     * @throws UsageException naming {@code --security} for a data directory formatted for plaintext
     */
    static ClusterSecurity prepare(Path dataDir, boolean formatted) {
        Path securityDir = dataDir.resolve("security");
        Path users = securityDir.resolve("users.properties");
        boolean made = Files.isRegularFile(users) && BrokerCertificate.in(securityDir).exists();
        UsageException.require(made || !formatted, "--security", "the cluster in " + dataDir
                + " was made plaintext and stays so: use sasl_ssl with a new --data-dir");
        OwnerOnly.directory(securityDir);
        Path clientsDir = OwnerOnly.directory(dataDir.resolve("clients"));
        if (made) {
            return new ClusterSecurity(securityDir, clientsDir, BrokerCertificate.in(securityDir), readUsers(users));
        }
        Map<String, String> passwords = new LinkedHashMap<>();
        passwords.put(BROKER_USER, Secrets.randomSecret());
        for (Role r : Role.values()) {
            passwords.put(r.user(), Secrets.randomSecret());
        }
        BrokerCertificate cert = BrokerCertificate.create(securityDir);
        StringBuilder text = new StringBuilder("# SCRAM-SHA-512 passwords of this cluster's users\n");
        passwords.forEach((u, p) -> text.append(u).append('=').append(p).append('\n'));
        OwnerOnly.write(users, text.toString());
        return new ClusterSecurity(securityDir, clientsDir, cert, passwords);
    }

    /** Whether the cluster in {@code dataDir} was made secured (so it must start so again). */
    static boolean madeIn(Path dataDir) {
        return Files.isDirectory(dataDir.resolve("security"));
    }

    private static Map<String, String> readUsers(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    /** The broker settings of SASL_SSL on the client listener and mutual TLS on the controller listener. */
    void applyTo(Map<String, String> p, int port, int controllerPort) {
        p.put("listeners", "SASL_SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "SASL_SSL://127.0.0.1:" + port);
        p.put("inter.broker.listener.name", "SASL_SSL");
        p.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:SSL");
        p.put("sasl.enabled.mechanisms", MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", jaas(BROKER_USER));
        p.put("listener.name.controller.ssl.client.auth", "required");
        String keystorePassword = BrokerCertificate.readSecret(certificate.keystorePassword());
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.location", certificate.keystore().toString());
        p.put("ssl.keystore.password", keystorePassword);
        p.put("ssl.key.password", keystorePassword);
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", certificate.truststore().toString());
        p.put("ssl.truststore.password", BrokerCertificate.readSecret(certificate.truststorePassword()));
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("allow.everyone.if.no.acl.found", "false");
        p.put("super.users", String.join(";", BrokerCertificate.PRINCIPAL, "User:" + BROKER_USER,
                PipelineAcls.principal(Role.ADMIN)));
    }

    /**
     * The storage tool's {@code --add-scram} arguments for the users that must exist before the
     * brokers serve: {@code broker} and {@code admin}. Passed to the broker in a 0600 file, never on
     * its command line.
     */
    List<String> formatScramArguments() {
        return List.of(scramArgument(BROKER_USER), scramArgument(Role.ADMIN.user()));
    }

    private String scramArgument(String user) {
        return MECHANISM + "=[name=" + user + ",password=" + passwords.get(user) + "]";
    }

    private String jaas(String user) {
        return SCRAM_LOGIN + " required username=\"" + user + "\" password=\"" + passwords.get(user) + "\";";
    }

    /** The client settings of {@code role}: SASL_SSL, SCRAM-SHA-512 as its user, the CA as a PEM truststore. */
    public Map<String, String> clientSettings(Role role) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        m.put("sasl.mechanism", MECHANISM);
        m.put("sasl.jaas.config", jaas(role.user()));
        m.put("ssl.truststore.type", "PEM");
        m.put("ssl.truststore.location", clientsDir.resolve("ca.pem").toString());
        return m;
    }

    /**
     * The connection of each role: its own settings, then the user's client settings on top (so
     * {@code -X} still tunes every client, and could even replace a login).
     */
    public RoleConnections connections(String bootstrapServers, Map<String, String> userConfig) {
        Map<Role, KafkaConnection> c = new EnumMap<>(Role.class);
        for (Role r : Role.values()) {
            Map<String, String> m = new HashMap<>(clientSettings(r));
            m.putAll(userConfig);
            c.put(r, new KafkaConnection(bootstrapServers, m));
        }
        return new RoleConnections(c.get(Role.ADMIN), c.get(Role.SOURCE), c.get(Role.PROCESSOR), c.get(Role.SINK));
    }

    /** Where the client files are ({@link #writeClientFiles}). */
    public Path clientsDir() {
        return clientsDir;
    }

    /** The client properties file of {@code role} (Java clients; kpipe's {@code --kafka-config}). */
    public Path propertiesFile(Role role) {
        return clientsDir.resolve(role.user() + ".properties");
    }

    /** The librdkafka configuration of {@code role} ({@code kcat -F}). */
    public Path librdkafkaFile(Role role) {
        return clientsDir.resolve(role.user() + ".librdkafka.conf");
    }

    /** A kcat line that lists the cluster's brokers and topics as {@code role}; the password stays in its file. */
    public String kcatLine(String bootstrapServers, Role role) {
        return "kcat -b " + bootstrapServers + " -F " + librdkafkaFile(role) + " -L";
    }

    /**
     * What a user needs to connect, without a secret: the directory of the client files, a kcat
     * line and a kpipe line, each as the admin (its files name the password; the lines do not).
     */
    public List<String> describe(String bootstrapServers) {
        return List.of(
                "security: SASL_SSL, " + MECHANISM + " logins, ACLs per principal; client settings of each principal ("
                        + String.join(", ", java.util.Arrays.stream(Role.values()).map(Role::user).toList()) + ") in "
                        + clientsDir,
                "kcat: " + kcatLine(bootstrapServers, Role.ADMIN),
                "kpipe: kpipe topics create --bootstrap-servers " + bootstrapServers + " --kafka-config "
                        + propertiesFile(Role.ADMIN));
    }

    /** Writes ca.pem and, for each role, its Java properties and its librdkafka configuration (all 0600). */
    void writeClientFiles(String bootstrapServers) {
        try {
            OwnerOnly.write(clientsDir.resolve("ca.pem"), Files.readAllBytes(certificate.caPem()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + certificate.caPem(), e);
        }
        for (Role r : Role.values()) {
            StringBuilder java = new StringBuilder("# Kafka client settings of principal User:" + r.user()
                    + " (kpipe --kafka-config FILE, or any Java client); secret: keep it 0600\n");
            java.append("bootstrap.servers=").append(bootstrapServers).append('\n');
            clientSettings(r).forEach((k, v) -> java.append(k).append('=').append(v).append('\n'));
            OwnerOnly.write(propertiesFile(r), java.toString());
            String rd = "# librdkafka settings of principal User:" + r.user() + " (kcat -F FILE); secret: keep it 0600\n"
                    + "bootstrap.servers=" + bootstrapServers + "\n"
                    + "security.protocol=SASL_SSL\n"
                    + "sasl.mechanisms=" + MECHANISM + "\n"
                    + "sasl.username=" + r.user() + "\n"
                    + "sasl.password=" + passwords.get(r.user()) + "\n"
                    + "ssl.ca.location=" + clientsDir.resolve("ca.pem") + "\n";
            OwnerOnly.write(librdkafkaFile(r), rd);
        }
    }

    /** Adds (or sets again) the SCRAM credentials of every role but the admin, which the storage holds. */
    void createUsers(Admin admin) {
        List<UserScramCredentialAlteration> users = new ArrayList<>();
        for (Role r : Role.values()) {
            if (r != Role.ADMIN) {
                users.add(new UserScramCredentialUpsertion(r.user(),
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), passwords.get(r.user())));
            }
        }
        try {
            admin.alterUserScramCredentials(users).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot add the SCRAM users: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Creates {@code acls} (those that exist are kept) and waits until each broker in
     * {@code brokers} has them: until every principal they name logs in at that broker and reads
     * the metadata of the first topic it was granted, which a broker answers only after it has the
     * user and the ACLs (one controller batch) from the metadata log.
     */
    void grant(Admin admin, List<String> brokers, List<AclBinding> acls) throws InterruptedException {
        try {
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create the ACLs: " + e.getMessage(), e);
        }
        Map<Role, String> probes = new EnumMap<>(Role.class);
        for (AclBinding b : acls) {
            for (Role r : Role.values()) {
                if (b.entry().principal().equals(PipelineAcls.principal(r)) && b.pattern().resourceType() == ResourceType.TOPIC
                        && b.pattern().patternType() == PatternType.LITERAL) {
                    probes.putIfAbsent(r, b.pattern().name());
                }
            }
        }
        long deadline = System.nanoTime() + GRANT_TIMEOUT.toNanos();
        for (String broker : brokers) {
            for (Map.Entry<Role, String> probe : probes.entrySet()) {
                String last = null;
                while ((last = probe(broker, probe.getKey(), probe.getValue())) != null) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("broker " + broker + " did not let " + PipelineAcls.principal(probe.getKey())
                                + " describe " + probe.getValue() + " within " + GRANT_TIMEOUT.toSeconds() + " s: " + last);
                    }
                    Thread.sleep(100);
                }
            }
        }
    }

    /** Null when {@code role} logs in at {@code broker} alone and may describe {@code topic}; else why not. */
    private String probe(String broker, Role role, String topic) {
        Properties p = new Properties();
        p.putAll(clientSettings(role));
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            // Empty when the topic does not exist yet; an exception when the user or the ACL is not there.
            c.partitionsFor(topic);
            return null;
        } catch (KafkaException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    Path securityDir() {
        return securityDir;
    }
}
