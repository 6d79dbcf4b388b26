package io.kpipe.cli;

import io.kpipe.config.Engine;
import io.kpipe.config.UsageException;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code --engine streams|spark|dsl}: which stream processor runs the job (docs/spark.md, docs/engines.md). */
final class EngineOption {
    @Option(names = "--engine", defaultValue = "streams", converter = EngineConverter.class,
            description = "Stream processor: streams (Kafka Streams), spark (Spark Structured Streaming in a child "
                    + "JVM; docs/spark.md) or dsl (Kafka Streams, the window aggregation in the plain DSL; "
                    + "docs/engines.md) (default ${DEFAULT-VALUE}).")
    Engine engine;

    /**
     * With {@code --engine spark}: refuses, in one line, the first option given on the command line
     * that is not in {@code meaningful} (it has no Spark meaning).
     */
    void requireOnlyForSpark(CommandSpec spec, Set<String> meaningful) {
        if (engine != Engine.SPARK) {
            return;
        }
        for (var option : spec.commandLine().getParseResult().matchedOptions()) {
            String name = option.longestName();
            UsageException.require(meaningful.contains(name), name,
                    "has no meaning with --engine spark (docs/spark.md lists what does)");
        }
    }

    static final class EngineConverter implements ITypeConverter<Engine> {
        @Override
        public Engine convert(String value) {
            for (Engine e : Engine.values()) {
                if (e.flagName().equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return e;
                }
            }
            throw new TypeConversionException("'" + value + "' is not an engine; use streams, spark or dsl");
        }
    }
}
