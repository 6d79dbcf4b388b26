package io.kpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code --engine}: an unknown engine, and each option without a Spark (or DSL) meaning, refused in one line with exit code 2. */
class EngineUsageTest {
    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(new String[] {"run", "--engine", "flink"},
                        "kpipe run: Invalid value for option '--engine': 'flink' is not an engine; use streams, spark or dsl (see --help)"),
                Arguments.of(new String[] {"run", "--engine", "spark", "--guarantee", "at_least_once"},
                        "kpipe run: --guarantee: has no meaning with --engine spark: its Kafka sink is at-least-once, its output idempotent by key (docs/spark.md)"),
                Arguments.of(new String[] {"run", "--engine", "spark", "--processors", "2"},
                        "kpipe run: --processors: is not available with --engine spark: the Spark processor is one child JVM (--threads sets its cores)"),
                Arguments.of(new String[] {"run", "--engine", "spark", "--standbys", "1"},
                        "kpipe run: --standbys: is not available with --engine spark: Spark keeps its state in its checkpoint"),
                Arguments.of(new String[] {"run", "--engine", "spark", "--emit", "final"},
                        "kpipe run: --emit final: is not available with --engine spark: the Spark processor emits updates"),
                Arguments.of(new String[] {"run", "--engine", "spark", "--zscore", "3"},
                        "kpipe run: --zscore: is not available with --engine spark: the Spark processor raises no alerts"),
                Arguments.of(new String[] {"run", "--engine", "spark", "--security", "sasl_ssl"},
                        "kpipe run: --security: is not available with --engine spark: the Spark processor is not tried on a secured cluster yet"),
                Arguments.of(new String[] {"process", "--engine", "spark", "--bootstrap-servers", "127.0.0.1:1", "--zscore", "3"},
                        "kpipe process: --zscore: has no meaning with --engine spark (docs/spark.md lists what does)"),
                Arguments.of(new String[] {"process", "--engine", "spark", "--bootstrap-servers", "127.0.0.1:1", "--http-port", "0"},
                        "kpipe process: --http-port: has no meaning with --engine spark (docs/spark.md lists what does)"),
                Arguments.of(new String[] {"process", "--engine", "spark", "--bootstrap-servers", "127.0.0.1:1", "--emit", "final"},
                        "kpipe process: --emit: final is not available with --engine spark: the Spark processor emits updates (docs/spark.md)"),
                Arguments.of(new String[] {"run", "--engine", "dsl", "--emit", "final"},
                        "kpipe run: --emit: final is not available with --engine dsl: the DSL job emits updates at each commit (docs/engines.md)"),
                Arguments.of(new String[] {"run", "--engine", "dsl", "--zscore", "3"},
                        "kpipe run: --zscore: is not available with --engine dsl: the DSL job raises no alerts (docs/engines.md)"),
                Arguments.of(new String[] {"process", "--engine", "dsl", "--bootstrap-servers", "127.0.0.1:1", "--emit", "final"},
                        "kpipe process: --emit: final is not available with --engine dsl: the DSL job emits updates at each commit (docs/engines.md)"),
                Arguments.of(new String[] {"process", "--engine", "dsl", "--bootstrap-servers", "127.0.0.1:1", "--zscore", "3"},
                        "kpipe process: --zscore: is not available with --engine dsl: the DSL job raises no alerts (docs/engines.md)"));
    }

    @ParameterizedTest
    @MethodSource("refusals")
    void shouldRefuseInOneLineWithExitCodeTwo(String[] args, String expected) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo(expected + "\n");
    }
}
