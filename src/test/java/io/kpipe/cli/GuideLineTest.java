package io.kpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.config.KafkaConnection;
import io.kpipe.config.ProcessorConfig;
import io.kpipe.hosts.DeployGuide;
import io.kpipe.run.ProcessorGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What kpipe process makes of the deployment guide's line with a run's settings after it (kpipe run --hosts). */
class GuideLineTest {
    @Test
    void shouldTakeTheRunsSettingsOverTheGuidesWhereBothGiveOne() {
        ProcessorConfig config = ProcessorConfig.builder(KafkaConnection.of("10.0.0.11:9092"), "t-", Path.of("/s"), 3)
                .guarantee(ProcessorConfig.Guarantee.AT_LEAST_ONCE)
                .threads(1)
                .standbys(0)
                .emit(ProcessorConfig.Emit.FINAL)
                .grace(Duration.ofSeconds(5))
                .maxFuture(Duration.ofSeconds(30))
                .commitInterval(Duration.ofMillis(500))
                .zscore(3.5)
                .build();
        List<String> argv = new ArrayList<>(DocCommandLines.words(DeployGuide.bundled().line()
                .replace("\"$BOOTSTRAP\"", "10.0.0.11:9092").replace("\"$HOST\"", "10.0.0.14")
                .replace("$ETC", "/etc/kpipe").replace("\"$STATE\"", "/s/processor-1/state")));
        // A guide line that one day gains a topic prefix or an engine of its own does not win over the run's.
        argv.addAll(List.of("--topic-prefix", "prod-", "--engine", "dsl"));
        argv.addAll(ProcessorGroup.runFlags(config));

        CommandLine cl = Main.commandLine();
        CommandLine.ParseResult parsed = cl.parseArgs(argv.subList(1, argv.size()).toArray(String[]::new));
        ProcessCommand process = (ProcessCommand) parsed.subcommand().commandSpec().userObject();

        assertThat(argv).containsSubsequence("--threads", "2", "--threads", "1");
        assertThat(process.processing.threads).isEqualTo(1);
        assertThat(process.standbys).isZero();
        assertThat(process.processing.guarantee).isEqualTo(ProcessorConfig.Guarantee.AT_LEAST_ONCE);
        assertThat(process.processing.emit).isEqualTo(ProcessorConfig.Emit.FINAL);
        assertThat(process.grace).isEqualTo(Duration.ofSeconds(5));
        assertThat(process.maxFuture).isEqualTo(Duration.ofSeconds(30));
        assertThat(process.commitInterval).isEqualTo(Duration.ofMillis(500));
        assertThat(process.window).isEqualTo(Duration.ofMinutes(1));
        assertThat(process.zscore).isEqualTo(3.5);
        assertThat(process.applicationId).isEqualTo("t-kpipe-processor");
        assertThat(process.topicPrefix.prefix).isEqualTo("t-");
        assertThat(process.engine.engine).isEqualTo(io.kpipe.config.Engine.STREAMS);
        assertThat(process.child).isTrue();
        assertThat(process.advertisedHost).isEqualTo("10.0.0.14");
        assertThat(process.stateDir).isEqualTo(Path.of("/s/processor-1/state"));
    }

    @Test
    void shouldStillRefuseARepeatedFlagOnOtherCommands() {
        CommandLine cl = Main.commandLine();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> cl.parseArgs("run", "--rate", "1k", "--rate", "2k"))
                .isInstanceOf(CommandLine.OverwrittenOptionException.class);
    }
}
