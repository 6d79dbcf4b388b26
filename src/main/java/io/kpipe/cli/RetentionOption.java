package io.kpipe.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** How long the pipeline topics keep records, for the commands that create them (docs/retention.md). */
final class RetentionOption {
    @Option(names = "--retention", defaultValue = "30m", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "How long points, points-agg-1m, alerts and points-dlq keep records, 10m..8760h "
                    + "(default ${DEFAULT-VALUE}); kpipe run keeps its outputs at least the run and 10m more. "
                    + "Existing topics are compared, never altered.")
    Duration retention;
}
