package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kpipe.chaos.ChaosRunner;
import io.kpipe.chaos.ChaosSpec;
import io.kpipe.cli.Main;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.ProcessorConfig.Guarantee;
import io.kpipe.config.RunConfig;
import io.kpipe.config.TopicSettings;
import io.kpipe.hosts.VirtualHosts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kpipe run --hosts} with real brokers, processors and network namespaces: three brokers
 * (replication 3, min.insync 2) and two exactly-once processors, each on a host of its own, while
 * the leader of points-0 is cut off for 20 s, then the busiest processor for longer than its session
 * timeout (its zombie must be fenced), then the network is split for 20 s. The books must be exact
 * per sensor and window; a query to one processor for a sensor the other owns is answered across
 * the network with the owner's windows; and nothing of the run is left, neither after it ends nor
 * after it is SIGKILLed. Skipped where namespaces cannot be made.
 */
@Tag("integration")
@Timeout(420)
class HostsRunIT {
    private static final Pattern PROCESSOR = Pattern.compile("(?m)^processor (\\d+): host (\\S+), queries (https://[^\\s/]+?):(\\d+)/");
    private static final Pattern CERTIFICATE = Pattern.compile("curl --cacert (\\S+) ");
    private static final Pattern UPLINK = Pattern.compile("on link (kp\\d+)");

    @TempDir
    Path dir;

    @BeforeEach
    void needNamespaces() {
        Assumptions.assumeTrue(VirtualHosts.missing().isEmpty(),
                () -> "network namespaces cannot be made here: " + VirtualHosts.missing().orElse(""));
    }

    /** Outside {@code mvn -B verify} (the suite's time): {@code mvn -B verify -Dkpipe.it.exclude=none -Dit.test=HostsRunIT}. */
    @Test
    @org.junit.jupiter.api.Tag("load")
    void shouldKeepTheBooksExactThroughPartitionsAndASplitAndAnswerQueriesAcrossHosts() throws Exception {
        RunConfig config = RunConfig.builder()
                .cluster(ClusterConfig.ofBrokers(3))
                .topics(new TopicSettings("", 12, 0))
                .guarantee(Guarantee.EXACTLY_ONCE_V2)
                .threads(1)
                .duration(Duration.ofSeconds(56))
                .rate(100_000)
                .sensors(500)
                .invalidRatio(0.001)
                .drainTimeout(Duration.ofSeconds(150))
                .processors(2)
                .chaos(ChaosSpec.parse("partition-broker@3s+20s,partition-processor@25s+15s,split-brokers@42s+20s"))
                .httpPort(-1)
                .hosts(true)
                .build();
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text, true);
        List<ProcessHandle> children = new ArrayList<>();
        Set<String> namespaces = new HashSet<>();
        List<String> forwarded = new ArrayList<>();

        // Only the run's own processes: a cluster another test class of this JVM shares is not the run's.
        Set<Long> before = ProcessHandle.current().descendants().map(ProcessHandle::pid)
                .collect(java.util.stream.Collectors.toSet());
        RunSummary s = new PipelineRun(config, out).execute(summary -> {
            // Everything still runs: the processors answer queries, the children are all there.
            children.addAll(ProcessHandle.current().descendants().filter(h -> !before.contains(h.pid())).toList());
            namespaces.addAll(foreignNamespaces(children));
            forwarded.addAll(queryAcrossHosts(text.toString()));
        }).summary();
        String output = text.toString();
        // The figures docs/hosts.md quotes.
        System.out.println(output.lines().filter(l -> l.contains("chaos:") || l.startsWith("hosts:")
                || l.startsWith("processor ")).reduce("", (a, b) -> a + b + "\n") + s.describe()
                + "\nrecovered after (s): " + s.chaos().stream().map(d -> d.action() + " " + d.recoveredAfterS()).toList());

        assertThat(s.lost()).as(output).isZero();
        assertThat(s.duplicated()).as(output).isZero();
        assertThat(s.windowsWrong()).as(output).isZero();
        assertThat(s.drained()).as(output).isTrue();
        assertThat(s.aggregated() + s.late()).as(output).isEqualTo(s.producedValid());
        assertThat(s.produced()).as(output).isPositive();
        assertThat(s.dlq()).as(output).isEqualTo(s.producedInvalid());
        assertThat(s.brokers()).isEqualTo(3);
        assertThat(s.chaos()).as(output).extracting(ChaosRunner.Done::action)
                .containsExactly("partition-broker", "partition-processor", "split-brokers");
        assertThat(s.chaos()).as(output).allSatisfy(d -> assertThat(d.error()).isNull());
        assertThat(s.chaos().get(0).target()).isBetween(1, 3);
        assertThat(s.chaos().get(1).target()).isBetween(1, 2);
        assertThat(output).containsPattern("chaos: heal-broker:\\d -> broker \\d")
                .containsPattern("chaos: heal-processor:\\d -> processor \\d")
                .containsPattern("chaos: heal-split:\\d -> broker \\d");
        // The owner's own answer, through the other instance on another host.
        assertThat(forwarded).as(output).hasSize(2);
        assertThat(forwarded.get(0)).isEqualTo(forwarded.get(1));

        // After the run: its processes, its namespaces and its link are gone.
        assertThat(children).as("brokers, processors, the switch").hasSizeGreaterThanOrEqualTo(6);
        assertThat(namespaces).as("the hosts' and the switch's namespaces").hasSizeGreaterThanOrEqualTo(6);
        assertNothingLeft(children, namespaces, uplink(output));
    }

    /**
     * In {@code mvn -B verify}: two processors on hosts of their own, each started with the
     * deployment guide's line (docs/deploy.md), answer for each other's sensors across the network;
     * the books are exact, and when the run ends nothing of it is left.
     */
    @Test
    void shouldRunTheGuidesLineOnEachHostAnswerAcrossHostsAndLeaveNothingWhenTheRunEnds() throws Exception {
        RunConfig config = RunConfig.builder()
                .cluster(ClusterConfig.ofBrokers(1))
                .topics(new TopicSettings("", 12, 0))
                .guarantee(Guarantee.EXACTLY_ONCE_V2)
                .threads(1)
                .duration(Duration.ofSeconds(8))
                .rate(5_000)
                .sensors(100)
                .invalidRatio(0.01)
                .drainTimeout(Duration.ofSeconds(60))
                .processors(2)
                .httpPort(-1)
                .hosts(true)
                .build();
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text, true);
        List<ProcessHandle> children = new ArrayList<>();
        Set<String> namespaces = new HashSet<>();
        List<String> forwarded = new ArrayList<>();

        // Only the run's own processes: a cluster another test class of this JVM shares is not the run's.
        Set<Long> before = ProcessHandle.current().descendants().map(ProcessHandle::pid)
                .collect(java.util.stream.Collectors.toSet());
        RunSummary s = new PipelineRun(config, out).execute(summary -> {
            children.addAll(ProcessHandle.current().descendants().filter(h -> !before.contains(h.pid())).toList());
            namespaces.addAll(foreignNamespaces(children));
            forwarded.addAll(queryAcrossHosts(text.toString()));
        }).summary();
        String output = text.toString();

        assertThat(output).contains("processors run docs/deploy.md's line: "
                + io.kpipe.hosts.DeployGuide.bundled().line());
        assertThat(s.lost()).as(output).isZero();
        assertThat(s.duplicated()).as(output).isZero();
        assertThat(s.windowsWrong()).as(output).isZero();
        assertThat(s.dlq()).as(output).isEqualTo(s.producedInvalid()).isPositive();
        assertThat(s.aggregated() + s.late()).as(output).isEqualTo(s.producedValid());
        // Processor 2's answer through processor 1 (or the other way round) equals its own.
        assertThat(forwarded).as(output).hasSize(2);
        assertThat(forwarded.get(0)).isEqualTo(forwarded.get(1));
        assertThat(children).as("the broker, the processors, the switch").hasSizeGreaterThanOrEqualTo(4);
        assertThat(namespaces).as("the hosts' and the switch's namespaces").hasSizeGreaterThanOrEqualTo(4);
        assertNothingLeft(children, namespaces, uplink(output));
    }

    @Test
    void shouldLeaveNoNamespaceLinkOrProcessWhenRunOnHostsIsKilled() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process kpipe = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run",
                "--hosts", "--processors", "1", "--no-sink", "--rate", "1k", "--sensors", "10", "--duration", "120s",
                "--http-port", "-1")
                .redirectError(dir.resolve("stderr.txt").toFile()).start();
        List<ProcessHandle> children = List.of();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(kpipe.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = lines.readLine()) != null && !line.startsWith("running for")) {
                seen.append(line).append('\n');   // until the generator starts: every part is up
            }
            assertThat(line).as(seen + "stderr in " + dir.resolve("stderr.txt")).isNotNull();
            String uplink = uplink(seen.toString());
            children = kpipe.descendants().toList();
            Set<String> namespaces = foreignNamespaces(children);
            assertThat(namespaces).as("the switch's, the broker's and the processor's").hasSizeGreaterThanOrEqualTo(3);

            kpipe.destroyForcibly();
            assertThat(kpipe.waitFor(30, TimeUnit.SECONDS)).isTrue();

            assertNothingLeft(children, namespaces, uplink);
        } finally {
            kpipe.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Asks processor 1 and then 2 for sensors until one is answered by the other (served_by); returns
     * that answer and the owner's own answer to the same question, or nothing if no query crossed.
     */
    private static List<String> queryAcrossHosts(String output) {
        Matcher p = PROCESSOR.matcher(output);
        List<String> urls = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        while (p.find()) {
            addresses.add(p.group(2) + ":" + p.group(4));
            urls.add(p.group(3) + ":" + p.group(4) + "/api/sensors/");
        }
        Matcher cert = CERTIFICATE.matcher(output);
        assertThat(urls).as(output).hasSize(2);
        assertThat(cert.find()).as(output).isTrue();
        try {
            HttpClient client = HttpClient.newBuilder().sslContext(trusting(Path.of(cert.group(1))))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            ObjectMapper json = new ObjectMapper();
            for (int asked = 0; asked < 2; asked++) {
                int other = 1 - asked;
                for (int i = 0; i < 50; i++) {
                    HttpResponse<String> r = get(client, urls.get(asked) + "s-" + i);
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    JsonNode body = json.readTree(r.body());
                    if (body.get("served_by").asText().equals(addresses.get(other))) {
                        assertThat(body.get("windows").size()).as(r.body()).isPositive();
                        return List.of(r.body(), get(client, urls.get(other) + "s-" + i).body());
                    }
                }
            }
            return List.of();
        } catch (Exception e) {
            throw new AssertionError("querying the processors failed: " + e, e);
        }
    }

    /** GET, asked again while the answer is 503 (an owner not known during a rebalance), for at most 30 s. */
    private static HttpResponse<String> get(HttpClient client, String url) {
        List<HttpResponse<String>> last = new ArrayList<>(List.of());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15))
                    .build(), HttpResponse.BodyHandlers.ofString());
            last.clear();
            last.add(r);
            return r.statusCode() != 503;
        });
        return last.get(0);
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            trust.setCertificateEntry("kpipe-query", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tm.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tm.getTrustManagers(), null);
        return ssl;
    }

    private static String uplink(String output) {
        Matcher m = UPLINK.matcher(output);
        assertThat(m.find()).as(output).isTrue();
        return m.group(1);
    }

    /** The network namespaces of {@code processes} other than this JVM's own. */
    private static Set<String> foreignNamespaces(List<ProcessHandle> processes) {
        String own = namespaceOf(ProcessHandle.current().pid());
        Set<String> found = new HashSet<>();
        for (ProcessHandle p : processes) {
            String ns = namespaceOf(p.pid());
            if (ns != null && !ns.equals(own)) {
                found.add(ns);
            }
        }
        return found;
    }

    private static String namespaceOf(long pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")).toString();
        } catch (IOException e) {
            return null;   // gone
        }
    }

    /** The processes ended, no process on the machine is in any of the namespaces, the link is gone. */
    private static void assertNothingLeft(List<ProcessHandle> children, Set<String> namespaces, String uplink)
            throws Exception {
        // A broker on a host whose parent went halts 3 s later (its network went too); its watchdog kills at 20 s.
        try {
            await().atMost(Duration.ofSeconds(40)).until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("still alive 40 s after the run: " + children.stream().filter(ProcessHandle::isAlive)
                    .map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).toList(), e);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> !Files.exists(Path.of("/sys/class/net", uplink)));
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            List<String> holding = procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .filter(p -> namespaces.contains(namespaceOf(Long.parseLong(p.getFileName().toString()))))
                    .map(p -> p.getFileName().toString()).toList();
            assertThat(holding).as("processes in the run's namespaces").isEmpty();
        }
        Process ip = new ProcessBuilder("ip", "-o", "link", "show").redirectErrorStream(true).start();
        String links = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(ip.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(links).doesNotContain(": " + uplink + "@");
    }
}
