package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kpipe.cli.Main;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.GeneratorConfig;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.generate.Generator;
import io.kpipe.process.PointProcessor;
import io.kpipe.process.ProcessingStats;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import io.kpipe.config.KafkaConnection;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kpipe run} whose processor dies on its own, during generation, and the drain whose
 * processor has stopped: the run names the dead part in one line, stops everything it started and
 * exits 1, instead of waiting for a lag that never falls. Real brokers, a real database, real processes, a real Kafka Streams client.
 */
@Tag("integration")
@Timeout(300)
class DeadPartIT {
    private static final Pattern POSTGRES = Pattern.compile("^postgres: jdbc:postgresql://127\\.0\\.0\\.1:(\\d+)/");
    private static final Pattern BOOTSTRAP = Pattern.compile("(?m)^bootstrap\\.servers=(\\S+)$");

    @TempDir
    Path dir;

    private final List<ProcessHandle> started = new ArrayList<>();

    @AfterEach
    void killWhatIsLeft() {
        started.forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void shouldNameAChildProcessorKilledFromOutsideInOneLineAndLeaveNothingBehind() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path stderr = dir.resolve("stderr.txt");
        Process kpipe = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--processors", "2", "--duration", "120s", "--rate", "5k", "--sensors", "100",
                "--http-port", "0")
                .redirectError(stderr.toFile())
                .start();
        started.add(kpipe.toHandle());
        BufferedReader out = new BufferedReader(new InputStreamReader(kpipe.getInputStream(), StandardCharsets.UTF_8));
        String pgPort = null;
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("[")) {
            // Until the first progress line: cluster, database, processors and generator are all up.
            Matcher m = POSTGRES.matcher(line);
            if (m.find()) {
                pgPort = m.group(1);
            }
        }
        assertThat(line).as("a progress line; stderr in " + stderr).isNotNull();
        started.addAll(kpipe.descendants().toList());
        started.add(postmaster(pgPort));
        ProcessHandle processor2 = started.stream().filter(p -> p.info().commandLine()
                .map(c -> c.contains("-Dkpipe.processor.id=2 ")).orElse(false)).findFirst().orElseThrow();

        processor2.destroyForcibly();

        assertThat(kpipe.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(kpipe.exitValue()).isEqualTo(Main.FAILED);
        assertThat(Files.readAllLines(stderr).stream().filter(l -> l.startsWith("kpipe run:") || l.contains("processor 2")))
                .containsExactly("kpipe run: processor 2 (pid " + processor2.pid() + ") exited with code 137");
        await().atMost(Duration.ofSeconds(30)).until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
    }

    /**
     * The in-process processor is stopped the way an operator can stop it: the aggregates topic is
     * set to refuse records of its size, so the processor's send fails for good (a
     * RecordTooLargeException, the failure the poison record of issue 11 caused on the dead-letter
     * topic) and Kafka Streams stops. (Deleting its input topic instead does not stop it: it retries
     * its transactions for minutes.)
     */
    @Test
    void shouldNameAnInProcessProcessorThatStoppedAndLeaveNothingBehind() throws Exception {
        String prefix = "dead-" + System.nanoTime() + "-";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // Processes of other tests (the shared cluster) are not this run's.
        List<ProcessHandle> before = ProcessHandle.current().descendants().toList();
        FutureTask<Integer> run = new FutureTask<>(() -> Main.execute(new String[] {"run", "--topic-prefix", prefix,
                        "--duration", "120s", "--rate", "5k", "--sensors", "100", "--http-port", "0"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        Thread t = new Thread(run, "kpipe-run-under-test");
        t.setDaemon(true);
        t.start();
        await().atMost(Duration.ofSeconds(180)).until(() -> run.isDone() || out.toString(StandardCharsets.UTF_8)
                .lines().anyMatch(l -> l.startsWith("[")));
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(run.isDone()).as(text + err).isFalse();
        started.addAll(ProcessHandle.current().descendants().filter(p -> !before.contains(p)).toList());
        started.add(postmaster(text.lines().map(POSTGRES::matcher).filter(Matcher::find).findFirst().orElseThrow()
                .group(1)));
        Matcher bootstrap = BOOTSTRAP.matcher(text);
        assertThat(bootstrap.find()).isTrue();

        try (Admin admin = Admin.create(KafkaConnection.of(bootstrap.group(1)).clientProperties(Map.of()))) {
            ConfigResource aggregates = new ConfigResource(ConfigResource.Type.TOPIC, prefix + "points-agg-1m");
            admin.incrementalAlterConfigs(Map.of(aggregates, List.of(new AlterConfigOp(
                    new ConfigEntry("max.message.bytes", "64"), AlterConfigOp.OpType.SET)))).all()
                    .get(30, TimeUnit.SECONDS);
        }

        int code = run.get(120, TimeUnit.SECONDS);
        String said = err.toString(StandardCharsets.UTF_8);
        assertThat(code).as(said).isEqualTo(Main.FAILED);
        assertThat(said.lines()).containsExactly("kpipe run: the processor stopped: "
                + Errors.MESSAGE_TOO_LARGE.message());
        await().atMost(Duration.ofSeconds(30)).until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
    }

    /** The drain waits for a lag that a stopped processor would never bring down: it must not. */
    @Test
    @ExtendWith(SharedCluster.class)
    void shouldStopWaitingForTheDrainWhenTheProcessorHasStopped(LocalCluster cluster, @TempDir Path state)
            throws Exception {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("drain-");
        Pipelines.createTopics(kafka, prefix, 2);
        try (Generator g = new Generator(new GeneratorConfig(kafka, prefix, 0, 10, 1_000, null, 0, 0, 7))) {
            g.run();
        }
        ProcessorConfig pc = ProcessorConfig.builder(kafka, prefix, state, 1).applicationId(prefix + "app").build();
        PointProcessor processor = PointProcessor.start(pc, new ProcessingStats());
        processor.close();
        Vitals parts = new Vitals().watch(Vitals.of(processor));

        try (Admin admin = Admin.create(kafka.clientProperties(Map.of()))) {
            assertThatThrownBy(() -> new Drain(admin, pc.applicationId(), prefix + "points").await(Duration.ofHours(1), parts))
                    .isInstanceOf(DeadPartException.class)
                    .hasMessage("the processor stopped: state NOT_RUNNING");
        }
    }

    /** The embedded PostgreSQL runs detached (pg_ctl): not a descendant, found by its port. */
    private static ProcessHandle postmaster(String port) {
        assertThat(port).as("the embedded PostgreSQL's port").isNotNull();
        List<ProcessHandle> found = ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                .map(c -> c.contains("bin/postgres") && c.contains("-p " + port + " ")).orElse(false)).toList();
        assertThat(found).as("the embedded PostgreSQL server").hasSize(1);
        return found.get(0);
    }
}
