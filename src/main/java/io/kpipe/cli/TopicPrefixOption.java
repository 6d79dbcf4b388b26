package io.kpipe.cli;

import picocli.CommandLine.Option;

/** The prefix of every pipeline topic name, so pipelines can share a cluster. */
final class TopicPrefixOption {
    @Option(names = "--topic-prefix", defaultValue = "", description = "Prefix of every topic name (default none).")
    String prefix;
}
