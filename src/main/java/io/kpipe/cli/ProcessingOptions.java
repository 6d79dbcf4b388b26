package io.kpipe.cli;

import io.kpipe.config.ProcessorConfig.Guarantee;
import picocli.CommandLine.Option;

/** How the processor runs: its guarantee and its stream threads. */
final class ProcessingOptions {
    @Option(names = "--guarantee", defaultValue = "exactly_once_v2", converter = Converters.GuaranteeConverter.class,
            description = "exactly_once_v2 or at_least_once (default ${DEFAULT-VALUE}).")
    Guarantee guarantee;

    @Option(names = "--threads", defaultValue = "2", description = "Stream threads of the processor (default ${DEFAULT-VALUE}).")
    int threads;
}
