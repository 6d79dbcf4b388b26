package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kpipe.cli.Main;
import io.kpipe.testing.Keystores;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, points 3 to 5, on one real {@code kpipe run --processors 2}: a Kafka client secret (a
 * SASL password that PLAINTEXT ignores but every client and child is given), an ingest token, a
 * keystore password and the embedded PostgreSQL's password are on no command line of any process
 * the run starts (brokers, processors, watchdogs, the database server) and in none of its output,
 * summary and logs; the secret does reach the children, in their 0600 configuration files; the
 * database refuses a connection without its password; and the HTTP server, bound to every address,
 * speaks HTTPS with a keytool certificate and wants the token for ingest.
 */
@Tag("integration")
@Timeout(300)
class SecretsIT {
    private static final Pattern HTTP = Pattern.compile("^HTTP: https://0\\.0\\.0\\.0:(\\d+) \\(dashboard\\)");
    private static final Pattern POSTGRES = Pattern.compile("^postgres: jdbc:postgresql://127\\.0\\.0\\.1:(\\d+)/postgres "
            + "\\(user postgres, password in (/\\S+/postgres\\.password)\\); psql: PGPASSFILE=(/\\S+/postgres\\.pgpass) "
            + "psql -h 127\\.0\\.0\\.1 -p (\\d+) -U postgres postgres$");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<ProcessHandle> started = new ArrayList<>();

    @AfterEach
    void killWhatIsLeft() {
        started.forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void shouldKeepEverySecretOffCommandLinesAndOutOfTheOutputAndServeHttpsBeyondLoopback() throws Exception {
        String kafkaSecret = "kafka-" + UUID.randomUUID();
        String token = "token-" + UUID.randomUUID();
        Keystores keys = Keystores.make(dir);
        Path kafkaConfig = Files.writeString(dir.resolve("client.properties"), "sasl.jaas.config="
                + "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"kpipe\" password=\""
                + kafkaSecret + "\";\n");
        Path tokenFile = Files.writeString(dir.resolve("ingest.token"), token + "\n");
        Path summary = dir.resolve("summary.json");
        Path stderr = dir.resolve("stderr.txt");
        Path brokerData = dir.resolve("kafka");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process kpipe = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--processors", "2", "--duration", "15s", "--rate", "5k", "--sensors", "100",
                "--kafka-config", kafkaConfig.toString(), "--data-dir", brokerData.toString(),
                "--http-port", "0", "--http-bind", "0.0.0.0", "--http-tls", keys.keystore().toString(),
                "--http-tls-password-file", keys.passwordFile().toString(), "--ingest-token-file", tokenFile.toString(),
                "--summary-json", summary.toString())
                .redirectError(stderr.toFile())
                .start();
        started.add(kpipe.toHandle());
        BufferedReader out = new BufferedReader(new InputStreamReader(kpipe.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder printed = new StringBuilder();
        String httpPort = null;
        Matcher pg = null;
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("[")) {
            // Until the first progress line: cluster, database, processors and generator are all up.
            printed.append(line).append('\n');
            Matcher h = HTTP.matcher(line);
            if (h.find()) {
                httpPort = h.group(1);
            }
            Matcher p = POSTGRES.matcher(line);
            if (p.matches()) {
                pg = p;
            }
        }
        assertThat(line).as(printed + "; stderr in " + stderr).isNotNull();
        assertThat(httpPort).as(printed.toString()).isNotNull();
        assertThat(pg).as(printed.toString()).isNotNull();
        Thread rest = drain(out, printed);
        Path pgPasswordFile = Path.of(pg.group(2));
        assertThat(Path.of(pg.group(3))).isEqualTo(pgPasswordFile.resolveSibling("postgres.pgpass"));
        assertThat(pg.group(4)).isEqualTo(pg.group(1));
        String pgPassword = Files.readAllLines(pgPasswordFile).get(0);
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("the Kafka client secret", kafkaSecret);
        secrets.put("the ingest token", token);
        secrets.put("the keystore password", Keystores.PASSWORD);
        secrets.put("the PostgreSQL password", pgPassword);

        // 1. Command lines: kpipe, its brokers, processors and watchdogs, and the detached database server.
        List<ProcessHandle> processes = new ArrayList<>(List.of(kpipe.toHandle()));
        processes.addAll(kpipe.descendants().toList());
        ProcessHandle postmaster = postmaster(pg.group(1));
        processes.add(postmaster);
        processes.addAll(postmaster.descendants().toList());
        started.addAll(processes);
        Map<Long, String> commandLines = new LinkedHashMap<>();
        for (ProcessHandle p : processes) {
            commandLines.put(p.pid(), commandLine(p.pid()));
        }
        assertThat(commandLines.values()).as("brokers").filteredOn(c -> c.contains("io.kpipe.cluster.internal.BrokerMain")).hasSize(1);
        List<String> processors = commandLines.values().stream().filter(c -> c.contains("-Dkpipe.processor.id=")).toList();
        assertThat(processors).as("processors").hasSize(2);
        secrets.forEach((what, secret) -> assertThat(commandLines).as(what + " on a command line")
                .allSatisfy((pid, cmd) -> assertThat(cmd).as("pid " + pid + ": " + cmd).doesNotContain(secret)));

        // 2. The secret did reach each child: in its configuration file, which only its owner can read.
        for (String cmd : processors) {
            Matcher m = Pattern.compile("--config-file (\\S+)").matcher(cmd);
            assertThat(m.find()).as(cmd).isTrue();
            Path file = Path.of(m.group(1));
            assertThat(Files.readString(file)).contains(kafkaSecret);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pgPasswordFile))).isEqualTo("rw-------");
        Path work = pgPasswordFile.getParent();

        // 3. HTTPS on every address, to a client that trusts the keytool certificate; ingest wants the token.
        HttpClient client = HttpClient.newBuilder().sslContext(keys.trustingClient()).build();
        String url = "https://127.0.0.1:" + httpPort;
        long now = System.currentTimeMillis();
        String body = IntStream.range(0, 10).mapToObj(i -> "{\"sensor\":\"ext-" + i + "\",\"ts\":" + now + ",\"value\":" + i + "}")
                .collect(Collectors.joining("\n", "", "\n"));
        HttpResponse<String> denied = client.send(ingest(url, body).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> accepted = client.send(ingest(url, body).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> stats = client.send(HttpRequest.newBuilder(URI.create(url + "/api/stats")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(denied.statusCode()).isEqualTo(401);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(JSON.readTree(accepted.body()).get("accepted").asLong()).isEqualTo(10);
        assertThat(stats.statusCode()).isEqualTo(200);

        // 4. The run's database: no connection without the password; with it, the sink's table.
        String jdbc = "jdbc:postgresql://127.0.0.1:" + pg.group(1) + "/postgres";
        assertThatThrownBy(() -> DriverManager.getConnection(jdbc, "postgres", null).close())
                .isInstanceOf(SQLException.class)
                .hasMessage("The server requested SCRAM-based authentication, but no password was provided.");
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", pgPassword)) {
            assertThat(c.getMetaData().getTables(null, null, "sensor_agg_1m", null).next()).isTrue();
        }

        // 5. The logs of the run so far (its processors' console.log...), its secret files excepted;
        // not the state and database directories, which change under a reader.
        List<Path> runFiles = new ArrayList<>(files(work));
        for (int id = 1; id <= 2; id++) {
            runFiles.addAll(files(work.resolve("processor-" + id)));
        }
        Set<String> secretFiles = Set.of("processor.json", "postgres.password", "postgres.pgpass");
        runFiles.removeIf(f -> secretFiles.contains(f.getFileName().toString()));
        assertThat(runFiles).as("files of the run").anyMatch(f -> f.endsWith(Path.of("processor-2", "console.log")));
        assertNoSecretIn(runFiles, secrets);

        assertThat(kpipe.waitFor(180, TimeUnit.SECONDS)).isTrue();
        rest.join(10_000);
        String err = Files.readString(stderr);
        assertThat(kpipe.exitValue()).as(printed + err).isEqualTo(Main.OK);
        JsonNode s = JSON.readTree(summary.toFile());
        assertThat(s.get("ingested").asLong()).isEqualTo(10);
        assertThat(s.get("lost").asLong()).isZero();
        assertThat(s.get("duplicated").asLong()).isZero();
        assertThat(s.get("sink_count_sum").asLong()).isEqualTo(s.get("aggregated").asLong()).isPositive();
        String summaryText = Files.readString(summary);
        secrets.forEach((what, secret) -> {
            assertThat(printed.toString()).as(what + " on stdout").doesNotContain(secret);
            assertThat(err).as(what + " on stderr").doesNotContain(secret);
            assertThat(summaryText).as(what + " in the summary").doesNotContain(secret);
        });
        // The brokers' logs and data, all of it, now that the run is over.
        List<Path> brokerFiles;
        try (Stream<Path> walk = Files.walk(brokerData)) {
            brokerFiles = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(brokerFiles).as("broker files").anyMatch(f -> f.getFileName().toString().equals("console.log"));
        assertNoSecretIn(brokerFiles, secrets);
    }

    private static HttpRequest.Builder ingest(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url + "/ingest")).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    /** The rest of the run's stdout, read on a thread of its own so that the run never blocks on it. */
    private static Thread drain(BufferedReader out, StringBuilder into) {
        Thread t = new Thread(() -> {
            try {
                for (String l; (l = out.readLine()) != null; ) {
                    synchronized (into) {
                        into.append(l).append('\n');
                    }
                }
            } catch (IOException e) {
                // The run is gone.
            }
        }, "kpipe-run-stdout");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** What {@code ps} shows: {@code /proc/PID/cmdline}, arguments separated by spaces ("" once the process is gone). */
    private static String commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The regular files directly in {@code dir}. */
    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(Files::isRegularFile).toList();
        }
    }

    /** Each file read as bytes: none holds a secret. */
    private static void assertNoSecretIn(List<Path> files, Map<String, String> secrets) throws IOException {
        for (Path f : files) {
            String text;
            try {
                text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            } catch (NoSuchFileException e) {
                continue;   // a segment or state file deleted while we walked
            }
            secrets.forEach((what, secret) -> assertThat(text).as(what + " in " + f).doesNotContain(secret));
        }
    }

    /** The embedded PostgreSQL runs detached (pg_ctl): not a descendant, found by its port. */
    private static ProcessHandle postmaster(String port) {
        List<ProcessHandle> found = ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                .map(c -> c.contains("bin/postgres") && c.contains("-p " + port + " ")).orElse(false)).toList();
        assertThat(found).as("the embedded PostgreSQL server").hasSize(1);
        return found.get(0);
    }
}
