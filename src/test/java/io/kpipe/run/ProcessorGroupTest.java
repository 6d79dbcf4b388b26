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
}
