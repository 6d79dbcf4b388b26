package io.kpipe.cli;

import io.kpipe.config.ProcessorConfig.Emit;
import io.kpipe.config.ProcessorConfig.Guarantee;
import picocli.CommandLine.Option;

/** How the processor runs: its guarantee, its stream threads and what it emits. */
final class ProcessingOptions {
    @Option(names = "--guarantee", defaultValue = "exactly_once_v2", converter = Converters.GuaranteeConverter.class,
            description = "exactly_once_v2 or at_least_once (default ${DEFAULT-VALUE}).")
    Guarantee guarantee;

    @Option(names = "--threads", defaultValue = "2", description = "Stream threads of the processor (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--emit", defaultValue = "updates", converter = Converters.EmitConverter.class,
            description = "What goes to points-agg-1m: updates (every changed window at each commit) or final "
                    + "(each window once, when it closes: end + grace) (default ${DEFAULT-VALUE}).")
    Emit emit;
}
