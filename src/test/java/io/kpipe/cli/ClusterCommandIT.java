package io.kpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kpipe.config.KafkaConnection;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code kpipe cluster} as users run it: its own JVM, stopped by signals. */
@Tag("integration")
@Timeout(180)
class ClusterCommandIT {
    @TempDir
    Path dir;

    private Process kpipe;
    private List<ProcessHandle> children = List.of();

    @AfterEach
    void killWhatIsLeft() {
        if (kpipe != null) {
            kpipe.destroyForcibly();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void shouldPrintBootstrapServersFirstAndStopItsBrokersOnSigterm() throws Exception {
        String bootstrap = startCluster();

        assertThat(bootstrap).matches("bootstrap\\.servers=127\\.0\\.0\\.1:\\d+");
        try (Admin admin = Admin.create(KafkaConnection.of(bootstrap.substring(18)).clientProperties(Map.of()))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }

        kpipe.destroy();

        assertThat(kpipe.waitFor(60, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void shouldLeaveNoBrokerBehindWhenKilledWithSigkill() throws Exception {
        startCluster();

        kpipe.destroyForcibly();

        assertThat(kpipe.waitFor(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void shouldLeaveNoFrozenBrokerNorWatchdogBehindWhenKilledWithSigkillWhileTheBrokerIsStopped() throws Exception {
        startCluster();
        ProcessHandle broker = children.stream().filter(ClusterCommandIT::isJava).findFirst().orElseThrow();
        signal("STOP", broker);
        await().atMost(Duration.ofSeconds(10)).until(() -> state(broker).equals("T"));

        kpipe.destroyForcibly();

        assertThat(kpipe.waitFor(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(60)).until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
    }

    private static boolean isJava(ProcessHandle p) {
        return p.info().command().map(c -> c.endsWith("/java")).orElse(false);
    }

    private static void signal(String signal, ProcessHandle p) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor()).isZero();
    }

    /** The state letter in /proc/PID/stat: T while stopped by a signal. */
    private static String state(ProcessHandle p) throws Exception {
        String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    }

    private String startCluster() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        kpipe = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "cluster", "--port", "0", "--data-dir", dir.toString())
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(kpipe.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        children = kpipe.descendants().toList();
        assertThat(children.stream().filter(ClusterCommandIT::isJava)).as("broker JVMs of kpipe cluster").hasSize(1);
        assertThat(children.stream().filter(p -> !isJava(p)).map(p -> p.info().commandLine().orElse("?")))
                .as("the broker's watchdog").singleElement().asString().contains("kpipe-watchdog");
        assertThat(first).as("first line; stderr in " + dir + File.separator + "stderr.txt").isNotNull();
        return first;
    }
}
