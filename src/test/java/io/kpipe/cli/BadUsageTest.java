package io.kpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.lifecycle.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BadUsageTest {
    static Stream<Arguments> badCommandLines() {
        return Stream.of(
                Arguments.of(new String[] {"run", "--frobnicate"},
                        "kpipe run: Unknown option: '--frobnicate' (see --help)"),
                Arguments.of(new String[] {"run", "--duration", "ten"},
                        "kpipe run: Invalid value for option '--duration': 'ten' is not a duration; use a number with a unit: ms, s, m or h (e.g. 500ms, 60s, 5m, 1h) (see --help)"),
                Arguments.of(new String[] {"run", "--rate", "0"},
                        "kpipe run: Invalid value for option '--rate': '0' is not allowed; use a positive number of points per second (e.g. 333333, 500k, 1M) or 'max' (see --help)"),
                Arguments.of(new String[] {"generate", "--bootstrap-servers", "127.0.0.1:1", "--rate", "-5"},
                        "kpipe generate: Invalid value for option '--rate': '-5' is not allowed; use a positive number of points per second (e.g. 333333, 500k, 1M) or 'max' (see --help)"),
                Arguments.of(new String[] {"run", "--guarantee", "maybe"},
                        "kpipe run: Invalid value for option '--guarantee': 'maybe' is not a guarantee; use exactly_once_v2 or at_least_once (see --help)"),
                Arguments.of(new String[] {"run", "--emit", "sometimes"},
                        "kpipe run: Invalid value for option '--emit': 'sometimes' is not an emit mode; use updates or final (see --help)"),
                Arguments.of(new String[] {"process", "--emit", "all"},
                        "kpipe process: Invalid value for option '--emit': 'all' is not an emit mode; use updates or final (see --help)"),
                Arguments.of(new String[] {"run", "--brokers", "0"}, "kpipe run: --brokers: must be 1..9, got 0"),
                Arguments.of(new String[] {"bench", "--scenario", "steady", "--chaos", "kill-broker@10s"},
                        "kpipe bench: --chaos: 'kill-broker@10s': kpipe bench injects processor faults only "
                                + "(kill-processor, restart-processor); for broker faults use kpipe run --chaos or kpipe faults"),
                Arguments.of(new String[] {"bench", "--scenario", "sink", "--security", "sasl_ssl"},
                        "kpipe bench: --security: is for the pipeline scenarios; --scenario sink measures PostgreSQL alone, without Kafka"),
                Arguments.of(new String[] {"bench", "--scenario", "max", "--security", "tls"},
                        "kpipe bench: --security: must be plaintext, sasl_ssl or both, got 'tls'"),
                Arguments.of(new String[] {"bench", "--scenario", "nope"},
                        "kpipe bench: --scenario: must be yardstick, max, steady, soak, engines, growth or sink, got 'nope'"),
                Arguments.of(new String[] {"bench", "--scenario", "max", "--sensors", "10k,100k"},
                        "kpipe bench: --sensors: takes one value except with --scenario growth, got [10000, 100000]"),
                Arguments.of(new String[] {"bench", "--scenario", "growth", "--processors", "0,2"},
                        "kpipe bench: --processors: must be 1..16 with --scenario growth: the processors run as child JVMs, "
                                + "so that one can be killed, got 0"),
                Arguments.of(new String[] {"bench", "--scenario", "growth", "--duration", "40s"},
                        "kpipe bench: --duration: with --scenario growth is the probe's; it must leave at least 20 s after "
                                + "--warmup, for the kill and the restart halfway through, got 40s"),
                Arguments.of(new String[] {"bench", "--scenario", "growth", "--security", "both"},
                        "kpipe bench: --security: must be plaintext with --scenario growth (compare security with --scenario max --security both)"),
                Arguments.of(new String[] {"bench", "--scenario", "engines", "--engine", "spark"},
                        "kpipe bench: --engine: has no meaning with --scenario engines: it runs every engine of --engines"),
                Arguments.of(new String[] {"bench", "--scenario", "engines", "--step", "50k"},
                        "kpipe bench: --step: has no meaning with --scenario engines: its ramp bisects (--ramp-steps, --max-rate)"),
                Arguments.of(new String[] {"bench", "--scenario", "engines", "--processors", "2"},
                        "kpipe bench: --processors: has no meaning with --scenario engines: each engine runs in one JVM of its own"),
                Arguments.of(new String[] {"bench", "--scenario", "engines", "--security", "sasl_ssl"},
                        "kpipe bench: --security: is not available with --scenario engines: the Spark processor is not tried on a secured cluster yet"),
                Arguments.of(new String[] {"bench", "--scenario", "engines", "--engines", "streams,streams"},
                        "kpipe bench: --engines: must list streams, spark and dsl, each at most once"),
                Arguments.of(new String[] {"bench", "--scenario", "steady", "--ramp-steps", "2"},
                        "kpipe bench: --ramp-steps: is for --scenario engines"),
                Arguments.of(new String[] {"bench", "--scenario", "yardstick", "--engine", "dsl"},
                        "kpipe bench: --engine: has no meaning with --scenario yardstick (it measures the producer alone)"),
                Arguments.of(new String[] {"bench", "--scenario", "sink", "--engine", "spark"},
                        "kpipe bench: --engine: has no meaning with --scenario sink: it measures PostgreSQL alone"),
                Arguments.of(new String[] {"bench", "--scenario", "soak", "--engine", "spark"},
                        "kpipe bench: --scenario soak: is not available with --engine spark: the Spark JVM is not in the soak's resource sampler yet"),
                Arguments.of(new String[] {"bench", "--scenario", "steady", "--engine", "spark", "--processors", "2"},
                        "kpipe bench: --processors: has no meaning with --engine spark: the Spark processor is one child JVM"),
                Arguments.of(new String[] {"bench", "--scenario", "max", "--engine", "spark", "--guarantee", "at_least_once"},
                        "kpipe bench: --guarantee: has no meaning with --engine spark: its Kafka sink is at-least-once, its output idempotent by key (docs/spark.md)"),
                Arguments.of(new String[] {"bench", "--scenario", "steady", "--engine", "dsl", "--emit", "final"},
                        "kpipe bench: --emit: final is not available with --engine dsl: the DSL job emits updates at each commit (docs/engines.md)"),
                Arguments.of(new String[] {"bench", "--scenario", "soak", "--processors", "2", "--chaos", "kill-processor@10s"},
                        "kpipe bench: --chaos: is for --scenario steady (a fault at a fixed rate); got --scenario soak"),
                Arguments.of(new String[] {"run", "-X", "processing.guarantee=at_least_once"},
                        "kpipe run: processing.guarantee: cannot be set with -X or --kafka-config: kpipe's books depend on it; use --guarantee exactly_once_v2|at_least_once"),
                Arguments.of(new String[] {"sink", "postgres", "--bootstrap-servers", "127.0.0.1:1", "--jdbc-url",
                                "jdbc:postgresql://127.0.0.1:1/x", "-X", "enable.auto.commit=true"},
                        "kpipe sink postgres: enable.auto.commit: cannot be 'true': kpipe's delivery guarantees (and its books) need false for every producer and consumer it runs"),
                Arguments.of(new String[] {"run", "--invalid-ratio", "1.5"},
                        "kpipe run: --invalid-ratio: must be between 0 and 1, got 1.5"),
                Arguments.of(new String[] {"generate"},
                        "kpipe generate: --bootstrap-servers: is required (HOST:PORT[,HOST:PORT...])"),
                Arguments.of(new String[] {"generate", "--bootstrap-servers", "nohost"},
                        "kpipe generate: --bootstrap-servers: 'nohost' is not host:port"),
                Arguments.of(new String[] {"run", "--chaos", "kill-processor@5s"},
                        "kpipe run: --chaos: 'kill-processor@5s' needs processors in their own processes: add --processors N"),
                Arguments.of(new String[] {"run", "--brokers", "3", "--chaos", "kill-broker:4@5s"},
                        "kpipe run: --chaos: 'kill-broker:4@5s': there are brokers 1..3"),
                Arguments.of(new String[] {"run", "--processors", "2", "--chaos", "kill-processor@5s,restart-processor@2s"},
                        "kpipe run: --chaos: 'restart-processor@2s': no processor has been killed before it"),
                Arguments.of(new String[] {"run", "--duration", "30s", "--chaos", "kill-broker@30s"},
                        "kpipe run: --chaos: 'kill-broker@30s' is not within --duration 30s"),
                Arguments.of(new String[] {"run", "--bootstrap-servers", "127.0.0.1:1", "--chaos", "pause-broker@5s+5s"},
                        "kpipe run: --chaos: 'pause-broker@5s+5s' needs kpipe's own brokers; it cannot act on --bootstrap-servers"),
                Arguments.of(new String[] {"run", "--chaos", "explode@5s"},
                        "kpipe run: --chaos: unknown action 'explode' in 'explode@5s'; use ACTION[:ID]@T, or ACTION[:ID]@T+D for pause-broker, partition-broker, partition-processor, split-brokers; ACTION one of kill-broker, restart-broker, kill-processor, restart-processor, pause-broker, partition-broker, partition-processor, split-brokers"),
                Arguments.of(new String[] {"run", "--brokers", "3", "--processors", "2", "--chaos", "partition-broker@5s+20s"},
                        "kpipe run: --chaos: 'partition-broker@5s+20s' cuts the network between hosts: it needs --hosts (brokers and processors on hosts of their own)"),
                Arguments.of(new String[] {"run", "--hosts"},
                        "kpipe run: --processors: must be 1..16 with --hosts (each processor runs on a host of its own), got 0"),
                Arguments.of(new String[] {"run", "--hosts", "--processors", "2", "--bootstrap-servers", "127.0.0.1:1"},
                        "kpipe run: --hosts: starts kpipe's own brokers on hosts of their own; it cannot be used with --bootstrap-servers"),
                Arguments.of(new String[] {"run", "--hosts", "--processors", "2", "--security", "sasl_ssl"},
                        "kpipe run: --hosts: runs a plaintext cluster; --security sasl_ssl on hosts is not supported yet"),
                Arguments.of(new String[] {"cluster", "--hosts", "--security", "sasl_ssl"},
                        "kpipe cluster: --hosts: runs a plaintext cluster; --security sasl_ssl on hosts is not supported yet"),
                Arguments.of(new String[] {"run", "--processors", "17"},
                        "kpipe run: --processors: must be 0..16 (0: the processor runs inside kpipe run), got 17"),
                Arguments.of(new String[] {"run", "--standbys", "-1"}, "kpipe run: --standbys: must be 0..8, got -1"),
                Arguments.of(new String[] {"process", "--config-file", "/nonexistent/processor.json"},
                        "kpipe process: --config-file: no such file: /nonexistent/processor.json"),
                Arguments.of(new String[] {"process", "--config-file", "/nonexistent/processor.json", "--zscore", "3"},
                        "kpipe process: --zscore: cannot be given with --config-file, which holds the whole processor configuration"),
                // The HTTP flags of the process (kpipe run --hosts gives each child its host's) pass beside --config-file.
                Arguments.of(new String[] {"process", "--config-file", "/nonexistent/processor.json", "--http-bind", "127.0.0.2",
                                "--advertised-host", "127.0.0.2"},
                        "kpipe process: --config-file: no such file: /nonexistent/processor.json"),
                Arguments.of(new String[] {"process", "--config-file", "/nonexistent/processor.json", "-X", "acks=all"},
                        "kpipe process: -X: cannot be given with --config-file, which holds the whole processor configuration"),
                Arguments.of(new String[] {"faults", "--duration", "30s"}, "kpipe faults: --duration: must be at least 60s, got 30s"),
                Arguments.of(new String[] {"faults", "--suite", "network"},
                        "kpipe faults: --suite: must be pipeline, partitions or sink, got 'network'"),
                Arguments.of(new String[] {"produce", "--bootstrap-servers", "127.0.0.1:1", "--file", "p.csv", "--format", "xml"},
                        "kpipe produce: --format: must be ndjson, csv or auto, got 'xml'"),
                Arguments.of(new String[] {"produce", "--bootstrap-servers", "127.0.0.1:1", "--file", "/nonexistent/p.csv"},
                        "kpipe produce: --file: must be a readable file, got '/nonexistent/p.csv'"),
                Arguments.of(new String[] {"produce", "--bootstrap-servers", "127.0.0.1:1"},
                        "kpipe produce: Missing required option: '--file=FILE' (see --help)"),
                Arguments.of(new String[] {"ingest", "--bootstrap-servers", "127.0.0.1:1", "--max-lines", "0"},
                        "kpipe ingest: --max-lines: must be positive, got 0"),
                Arguments.of(new String[] {"ingest", "--bootstrap-servers", "127.0.0.1:1", "--max-body-bytes", "10"},
                        "kpipe ingest: --max-body-bytes: must be 1024..1073741824, got 10"),
                Arguments.of(new String[] {"sink", "files", "--bootstrap-servers", "127.0.0.1:1", "--dir", "out", "--max-bytes", "12x"},
                        "kpipe sink files: Invalid value for option '--max-bytes': '12x' is not a size; use a number of bytes "
                                + "with an optional k, m or g (KiB, MiB, GiB), e.g. 128m (see --help)"),
                Arguments.of(new String[] {"sink", "files", "--bootstrap-servers", "127.0.0.1:1", "--dir", "out", "--max-bytes", "1023"},
                        "kpipe sink files: --max-bytes: must be at least 1024, got 1023"),
                Arguments.of(new String[] {"run", "--ingest-token-file", "/nonexistent/token"},
                        "kpipe run: --ingest-token-file: no such file: /nonexistent/token"),
                Arguments.of(new String[] {"run", "--http-port", "70000"},
                        "kpipe run: --http-port: must be 0..65535 (0: a free port) or -1 (none), got 70000"),
                Arguments.of(new String[] {"process", "--bootstrap-servers", "127.0.0.1:1", "--http-port", "-2"},
                        "kpipe process: --http-port: must be 0..65535 (0: a free port) or -1 (none), got -2"),
                Arguments.of(new String[] {"ingest", "--bootstrap-servers", "127.0.0.1:1", "--http-port", "-1"},
                        "kpipe ingest: --http-port: must be 0..65535 (0: a free port): kpipe ingest is an HTTP server, "
                                + "-1 (none) leaves it nothing to do"),
                Arguments.of(new String[] {"process", "--bootstrap-servers", "127.0.0.1:1", "--advertised-host", "0.0.0.0"},
                        "kpipe process: --advertised-host: 0.0.0.0 is the wildcard address, which no other instance can "
                                + "connect to; give this machine's address or name (or leave it out: the default is the "
                                + "address of its interface that is up)"),
                Arguments.of(new String[] {"process", "--bootstrap-servers", "127.0.0.1:1", "--advertised-host", "node7:8080"},
                        "kpipe process: --advertised-host: 'node7:8080' has a port; give the host alone (the port is --http-port's)"),
                Arguments.of(new String[] {"process", "--bootstrap-servers", "127.0.0.1:1", "--advertised-host", "node_7"},
                        "kpipe process: --advertised-host: 'node_7' is not a host name or IP address"),
                Arguments.of(new String[] {"process", "--bootstrap-servers", "127.0.0.1:1", "--advertised-host", "10.0.0.5"},
                        "kpipe process: --advertised-host: 10.0.0.5 is not reachable: the HTTP server listens on 127.0.0.1 "
                                + "(loopback) only; add --http-bind 10.0.0.5 or 0.0.0.0 (with --http-tls)"),
                Arguments.of(new String[] {"process", "--bootstrap-servers", "127.0.0.1:1", "--http-bind", "127.0.0.1",
                                "--advertised-host", "127.0.0.2"},
                        "kpipe process: --advertised-host: 127.0.0.2 is not reachable: the HTTP server listens on 127.0.0.1 "
                                + "only; leave --advertised-host out, or add --http-bind 127.0.0.2 or a wildcard (0.0.0.0, ::)"),
                Arguments.of(new String[] {"process", "--bootstrap-servers", "127.0.0.1:1", "--advertised-host", "127.000.0.1"},
                        "kpipe process: --advertised-host: '127.000.0.1' has a leading zero, which some resolvers read as "
                                + "octal; write the address without, e.g. 127.0.0.1"),
                Arguments.of(new String[] {"process", "--bootstrap-servers", "127.0.0.1:1", "--http-port", "-1",
                                "--advertised-host", "node7"},
                        "kpipe process: --advertised-host: only with an HTTP server to advertise: --http-port -1 serves none"),
                Arguments.of(new String[] {"run", "--retention", "5m"},
                        "kpipe run: --retention: must be 10m..8760h, got 5m"),
                Arguments.of(new String[] {"run", "--retention", "forever"},
                        "kpipe run: Invalid value for option '--retention': 'forever' is not a duration; use a number with a unit: ms, s, m or h (e.g. 500ms, 60s, 5m, 1h) (see --help)"),
                Arguments.of(new String[] {"topics", "create", "--bootstrap-servers", "127.0.0.1:1", "--retention", "8761h"},
                        "kpipe topics create: --retention: must be 10m..8760h, got 8761h"),
                Arguments.of(new String[] {"bench", "--scenario", "steady", "--retention", "599s"},
                        "kpipe bench: --retention: must be 10m..8760h, got 9m59s"),
                Arguments.of(new String[] {"cluster", "--security", "tls"},
                        "kpipe cluster: Invalid value for option '--security': 'tls' is not a security mode; use plaintext or sasl_ssl (see --help)"),
                Arguments.of(new String[] {"run", "--security", "SSL"},
                        "kpipe run: Invalid value for option '--security': 'SSL' is not a security mode; use plaintext or sasl_ssl (see --help)"),
                Arguments.of(new String[] {"run", "--security", "sasl_ssl", "--bootstrap-servers", "127.0.0.1:1"},
                        "kpipe run: --security: secures the local cluster only; with --bootstrap-servers give the client settings with --kafka-config"),
                Arguments.of(new String[] {"frobnicate"}, "kpipe: Unmatched argument at index 0: 'frobnicate' (see --help)"));
    }

    @ParameterizedTest
    @MethodSource("badCommandLines")
    void shouldPrintOneLineNamingTheSettingAndExitWithTwo(String[] args, String expected) {
        Result r = run(args);

        assertThat(r.code).isEqualTo(2);
        assertThat(r.out).isEmpty();
        assertThat(r.err).isEqualTo(expected + "\n");
    }

    @Test
    @Timeout(60)
    void shouldSayWhenNoBrokerAnswersAtTheBootstrapAddressWithinTheAdminTimeout() {
        String address = "127.0.0.1:" + FreePorts.take(1)[0];

        // Kafka's own setting, passed through: the check waits as long as the user lets the admin client wait.
        Result r = run("topics", "create", "--bootstrap-servers", address, "-X", "default.api.timeout.ms=500");

        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).isEqualTo("kpipe topics create: --bootstrap-servers: no Kafka broker answered at " + address
                + " within 500ms\n");
    }

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
