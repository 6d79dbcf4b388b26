package io.kpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class HttpOptionTest {
    private static final OptionSpec REFERENCE = option("run");

    @ParameterizedTest
    @ValueSource(strings = {"run", "process", "ingest", "sink postgres", "sink files"})
    void shouldBeOneOptionWithOneMeaningInEveryLongRunningCommand(String command) {
        OptionSpec o = option(command);

        assertThat(o.defaultValue()).isEqualTo("8080");
        assertThat(o.description()).containsExactly(REFERENCE.description());
        assertThat(String.join(" ", o.description())).contains("0 picks a free port, -1 serves none");
    }

    @ParameterizedTest
    @ValueSource(strings = {"run", "process", "ingest", "sink postgres", "sink files"})
    void shouldListenOnLoopbackUnlessToldOtherwiseInEveryLongRunningCommand(String command) {
        assertThat(option(command, "--http-bind").defaultValue()).isEqualTo("127.0.0.1");
        assertThat(option(command, "--http-tls").defaultValue()).isNull();
        assertThat(option(command, "--http-tls-password-file").defaultValue()).isNull();
    }

    private static OptionSpec option(String command) {
        return option(command, "--http-port");
    }

    private static OptionSpec option(String command, String flag) {
        CommandLine cl = Main.commandLine();
        for (String name : List.of(command.split(" "))) {
            cl = cl.getSubcommands().get(name);
        }
        return cl.getCommandSpec().findOption(flag);
    }
}
