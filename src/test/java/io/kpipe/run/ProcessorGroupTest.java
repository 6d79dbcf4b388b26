package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.lifecycle.ChildJvm;
import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.config.ProcessorConfigFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessorGroupTest {
    private static final String SECRET = "s3cret-pw";

    @TempDir
    Path work;

    private static ProcessorConfig config(Path stateDir) {
        KafkaConnection kafka = new KafkaConnection("127.0.0.1:9092", Map.of(
                "security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"kpipe\" password=\"" + SECRET + "\";"));
        return ProcessorConfig.builder(kafka, "t-", stateDir, 1)
                .threads(3)
                .standbys(1)
                .zscore(4)
                .maxFuture(Duration.ofSeconds(30))
                .grace(Duration.ofSeconds(5))
                .build();
    }

    @Test
    void shouldHandTheChildItsWholeConfigInAFileOnlyItsOwnerCanRead() throws Exception {
        ProcessorConfig config = config(work.resolve("streams"));
        Path dir = work.resolve("processor-1");

        List<String> args = ProcessorGroup.childArguments(config, dir);

        Path file = dir.resolve(ProcessorGroup.CONFIG_FILE);
        assertThat(args).containsExactly("process", "--child", "--config-file", file.toString(), "--http-port", "0");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(ProcessorConfigFile.read(file))
                .isEqualTo(config.toBuilder().stateDir(dir.resolve("state")).build());
    }

    @Test
    void shouldPutNoClientSettingOnTheChildsCommandLine() throws Exception {
        List<String> args = ProcessorGroup.childArguments(config(work.resolve("streams")), work.resolve("processor-1"));
        List<String> command = ChildJvm.command(ProcessorGroup.JVM_OPTIONS, null, "io.kpipe.cli.Main", args);

        assertThat(command).doesNotContain("-X");
        assertThat(command).noneMatch(a -> a.contains(SECRET) || a.contains("sasl") || a.contains("security.protocol"));
    }

    @Test
    void shouldWriteTheConfigAnewForARestartedChild() throws Exception {
        ProcessorConfig config = config(work.resolve("streams"));
        Path dir = work.resolve("processor-2");
        ProcessorGroup.childArguments(config, dir);

        ProcessorGroup.childArguments(config, dir);

        Path file = dir.resolve(ProcessorGroup.CONFIG_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(ProcessorConfigFile.read(file).stateDir()).isEqualTo(dir.resolve("state"));
    }

    @Test
    void shouldStartAProcessorOnAHostWithTheGuidesLineItsRoleFileAndTheRunsSettings() throws Exception {
        ProcessorConfig config = config(work.resolve("streams"));
        Path dir = work.resolve("processor-2");
        Path etc = Files.createDirectories(work.resolve("etc"));
        var host = new io.kpipe.hosts.VirtualHosts.Host("processor-2", "10.9.8.15", "h2");
        var onHosts = new ProcessorGroup.OnHosts(null, List.of(host), io.kpipe.hosts.DeployGuide.bundled(), etc, null);

        ProcessorGroup.writeRoleFile(config, etc);
        // printf stands in for the JVM: it prints each argument kpipe would get on a line of its own.
        List<String> command = ProcessorGroup.guideCommand(config, dir, host, onHosts, List.of("printf", "%s\\n"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> argv = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                .lines().toList();

        assertThat(p.waitFor()).isZero();
        assertThat(String.join(" ", argv)).isEqualTo("process --bootstrap-servers 127.0.0.1:9092 --kafka-config "
                + etc.resolve("processor.properties") + " --http-bind 0.0.0.0 --http-port 8443 --http-tls "
                + etc.resolve("http.p12") + " --http-tls-password-file " + etc.resolve("http.password")
                + " --advertised-host 10.9.8.15 --state-dir " + dir.resolve("state") + " --threads 2 --standbys 1"
                + " --child --engine streams --topic-prefix t- --application-id t-kpipe-processor"
                + " --guarantee exactly_once_v2 --threads 3 --standbys 1"
                + " --emit updates --window 1m --grace 5s --max-future 30s --commit-interval 1s --zscore 4.0");
        assertThat(onHosts.queryUrl(1, "s-1")).isEqualTo("https://10.9.8.15:8443/api/sensors/s-1");
        // The client settings, the secret among them, are in the role file the guide names, not on the command line.
        Path roleFile = etc.resolve("processor.properties");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(roleFile))).isEqualTo("rw-------");
        java.util.Properties client = new java.util.Properties();
        try (var in = Files.newBufferedReader(roleFile)) {
            client.load(in);
        }
        assertThat(client).isEqualTo(new java.util.Properties() {{ putAll(config.kafka().clientConfig()); }});
        assertThat(command).noneMatch(a -> a.contains(SECRET));
    }
}
