package io.kpipe.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DeployGuideTest {
    private static final Map<String, String> VALUES = Map.of("BOOTSTRAP", "10.0.0.11:9092,10.0.0.12:9092",
            "HOST", "10.0.0.14", "ETC", "/tmp/run dir/etc", "STATE", "/tmp/run dir/processor-1/state");

    @Test
    void shouldCarryTheGuidesOwnProcessorLineInTheJar() throws Exception {
        DeployGuide guide = DeployGuide.bundled();

        assertThat(guide.line()).startsWith("kpipe process --bootstrap-servers \"$BOOTSTRAP\" ")
                .contains("--advertised-host \"$HOST\"", "--state-dir \"$STATE\"");
        assertThat(Files.readString(Path.of("docs/deploy.md"))).contains("\n" + guide.line() + "\n");
        assertThat(guide.httpPort()).isEqualTo(8443);
    }

    @Test
    void shouldRunTheLineWithBashAsWrittenWithTheVariablesSetAndTheFlagsAppended() throws Exception {
        DeployGuide guide = DeployGuide.of(String.join("\n", "# Guide", "```bash",
                "BOOTSTRAP=kafka-1:9092   # not run: only the kpipe process line is",
                "kpipe process --bootstrap-servers \"$BOOTSTRAP\" --kafka-config \"$ETC/processor.properties\" "
                        + "--advertised-host \"${HOST}\" --state-dir \"$STATE\" --http-port 8080 --threads 2 --http-port=8443",
                "```", ""));

        // printf prints each argument kpipe's JVM would get on a line of its own.
        List<String> argv = run(guide.command(VALUES, List.of("printf", "%s\\n"), List.of("--threads", "1", "--child")));

        assertThat(argv).containsExactly("process", "--bootstrap-servers", "10.0.0.11:9092,10.0.0.12:9092",
                "--kafka-config", "/tmp/run dir/etc/processor.properties", "--advertised-host", "10.0.0.14",
                "--state-dir", "/tmp/run dir/processor-1/state", "--http-port", "8080", "--threads", "2",
                "--http-port=8443", "--threads", "1", "--child");
        assertThat(guide.httpPort()).isEqualTo(8443);
    }

    @Test
    void shouldKeepALeadingSetsidFirst() {
        DeployGuide guide = DeployGuide.of("```bash\nkpipe process --state-dir \"$STATE\"\n```\n");

        List<String> cmd = guide.command(VALUES, List.of("/usr/bin/setsid", "java", "-Xmx1g"), List.of("--child"));

        assertThat(cmd.get(0)).isEqualTo("/usr/bin/setsid");
        assertThat(cmd.subList(1, 3)).containsExactly("bash", "-c");
        assertThat(cmd.subList(4, cmd.size())).containsExactly("kpipe-guide", "10.0.0.11:9092,10.0.0.12:9092",
                "10.0.0.14", "/tmp/run dir/etc", "/tmp/run dir/processor-1/state", "2", "java", "-Xmx1g", "--child");
        assertThat(guide.httpPort()).isEqualTo(8080);
    }

    @Test
    void shouldRefuseAGuideWhoseLineTheRunCannotRun() {
        assertThatThrownBy(() -> DeployGuide.of("```bash\nkpipe topics create\n```\n"))
                .hasMessage("docs/deploy.md must have exactly one 'kpipe process' line in a bash block, found 0");
        assertThatThrownBy(() -> DeployGuide.of("```bash\nkpipe process --threads 1\nkpipe process --threads 2\n```\n"))
                .hasMessage("docs/deploy.md must have exactly one 'kpipe process' line in a bash block, found 2");
        assertThatThrownBy(() -> DeployGuide.of("```bash\nkpipe process --state-dir \"$DATA\"\n```\n"))
                .hasMessage("docs/deploy.md's 'kpipe process' line reads $DATA, which kpipe run --hosts does not set; "
                        + "it sets BOOTSTRAP, HOST, ETC, STATE");
        String plain = "docs/deploy.md's 'kpipe process' line must be one command of literal words and \"$VARIABLE\"s "
                + "in double quotes; it has ";
        assertThatThrownBy(() -> DeployGuide.of("```bash\nkpipe process --advertised-host $(hostname -f)\n```\n"))
                .hasMessage(plain + "'$(hostname'");
        assertThatThrownBy(() -> DeployGuide.of("```bash\nkpipe process --threads 2; rm -rf /\n```\n"))
                .hasMessage(plain + "'2;'");
        // Unquoted, a value with a space would become two words; a glob, files of the directory.
        assertThatThrownBy(() -> DeployGuide.of("```bash\nkpipe process --state-dir $STATE\n```\n"))
                .hasMessage(plain + "'$STATE'");
        assertThatThrownBy(() -> DeployGuide.of("```bash\nkpipe process --kafka-config \"$ETC\"/*.properties\n```\n"))
                .hasMessage(plain + "'\"$ETC\"/*.properties'");
        assertThatThrownBy(() -> DeployGuide.of("```bash\nkpipe process --http-port \"$HOST\"\n```\n").httpPort())
                .hasMessage("docs/deploy.md's 'kpipe process' line must give --http-port a fixed port; it has '$HOST'");
        // Only bash blocks count: the systemd unit's ExecStart is not the line to run.
        assertThatThrownBy(() -> DeployGuide.of("```ini\nkpipe process --threads 2\n```\n"))
                .hasMessageEndingWith("found 0");
    }

    private static List<String> run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }
}
