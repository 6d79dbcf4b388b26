package io.kpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every kpipe command line shown in README.md and docs/*.md goes through kpipe's own parser (parsed,
 * never run): each flag must exist on its command and each value must be one the flag takes.
 *
 * <p>Usage lines have placeholders ({@code --brokers N}, {@code --jdbc-url URL}), optional parts
 * in brackets and alternatives ({@code --format ndjson|csv|auto}): brackets are dropped, each
 * alternative is parsed, and an upper-case placeholder stands for a sample value of the flag's type.
 * Inline mentions of a command or a flag ({@code kpipe produce}, {@code kpipe run --chaos}) only
 * need them to exist: their required flags and values may be left out.
 */
class ReadmeClaimsTest {
    /** One parser for all: parsing resets it, and nothing is run. */
    private static final CommandLine ROOT = Main.commandLine();

    static Stream<DocCommandLines.Claim> claims() throws IOException {
        List<DocCommandLines.Claim> all = new ArrayList<>(DocCommandLines.in(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(p -> all.addAll(DocCommandLines.in(p)));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("claims")
    void shouldParseEveryDocumentedCommandLine(DocCommandLines.Claim claim) {
        for (List<String> args : alternatives(DocCommandLines.words(claim.text()))) {
            try {
                check(args, claim.inline());
            } catch (AssertionError e) {
                throw new AssertionError(claim + "\n  " + e.getMessage(), e);
            }
        }
    }

    @Test
    void shouldFindTheCommandLinesOfTheReadme() throws IOException {
        List<String> texts = claims().map(DocCommandLines.Claim::text).toList();

        assertThat(texts).hasSizeGreaterThan(50).contains(
                "run          # the whole pipeline for 60 s at 333,333 points/s (1.2 billion an hour) on a local Kafka cluster, then the reconciliation",
                "sink files --bootstrap-servers B --dir out/ [--max-bytes 128m --roll-interval 1h]",
                "bench --scenario yardstick|max|steady|soak|engines|growth|sink",
                "run --rate 600k --duration 60s --no-sink --http-port -1");
        assertThat(texts).noneMatch(t -> t.startsWith("run:"));
    }

    @Test
    void shouldCheckEveryCommandLineOfTheDeploymentGuide() {
        List<DocCommandLines.Claim> deploy = DocCommandLines.in(Path.of("docs/deploy.md"));
        List<List<String>> blocks = deploy.stream().filter(c -> !c.inline()).map(c -> DocCommandLines.words(c.text())).toList();

        assertThat(blocks).extracting(w -> w.get(0) + (w.get(1).startsWith("-") ? "" : " " + w.get(1))).containsExactly(
                "topics create", "devices load", "process", "process", "sink postgres", "sink files", "ingest", "generate");
        // The shell line and the systemd unit's ExecStart run the same command: the same flags, in the same order.
        List<List<String>> processes = blocks.stream().filter(w -> w.get(0).equals("process")).toList();
        assertThat(processes.get(1)).as("the systemd unit's ExecStart").contains("--advertised-host", "${HOST}");
        assertThat(flags(processes.get(1))).isEqualTo(flags(processes.get(0)));
    }

    @Test
    void shouldRefuseABadFlagInASystemdUnit(@TempDir Path dir) throws IOException {
        Path doc = Files.writeString(dir.resolve("unit.md"), String.join("\n", "```ini", "[Service]",
                "ExecStart=/usr/local/bin/kpipe process --bootstrap-servers ${BOOTSTRAP} \\",
                "  --advertised-hots ${HOST}", "```", ""));

        List<DocCommandLines.Claim> claims = DocCommandLines.in(doc);

        assertThat(claims).extracting(DocCommandLines.Claim::text)
                .containsExactly("process --bootstrap-servers ${BOOTSTRAP}  --advertised-hots ${HOST}");
        assertThatThrownBy(() -> check(DocCommandLines.words(claims.get(0).text()), false))
                .hasMessage("kpipe process has no option --advertised-hots");
    }

    private static List<String> flags(List<String> words) {
        return words.stream().filter(w -> w.startsWith("--")).toList();
    }

    @Test
    void shouldRefuseAFlagTheCommandDoesNotHave() {
        assertThatThrownBy(() -> check(DocCommandLines.words("process --bootstrap-servers B --cache-bytes 1m"), false))
                .hasMessage("kpipe process has no option --cache-bytes");
        assertThatThrownBy(() -> check(DocCommandLines.words("run --max-future"), true))
                .hasMessage("kpipe run has no option --max-future");
    }

    @Test
    void shouldRefuseAValueTheFlagDoesNotTake() {
        assertThatThrownBy(() -> check(DocCommandLines.words("sink files --dir d [--max-bytes 128q]"), false))
                .hasMessageContaining("Invalid value for option '--max-bytes': '128q' is not a size");
        assertThatThrownBy(() -> check(DocCommandLines.words("run --chaos"), false))
                .hasMessageContaining("Missing required parameter for option '--chaos'");
    }

    @Test
    void shouldSplitLikeAShellAndDropBracketsQuotesAndComments() {
        assertThat(DocCommandLines.words("produce --file 'my points.csv' [--format ndjson|csv] &  # later"))
                .containsExactly("produce", "--file", "my points.csv", "--format", "ndjson|csv");
        assertThat(alternatives(List.of("a", "x|y", "b|c")))
                .containsExactly(List.of("a", "x", "b"), List.of("a", "x", "c"), List.of("a", "y", "b"), List.of("a", "y", "c"));
    }

    /** Parses {@code args} (after "kpipe") with the production parser; throws naming what is wrong. */
    private static void check(List<String> args, boolean inline) {
        CommandSpec spec = ROOT.getCommandSpec();
        List<String> parsed = new ArrayList<>();
        int i = 0;
        while (i < args.size() && spec.subcommands().containsKey(args.get(i))) {
            parsed.add(args.get(i));
            spec = spec.subcommands().get(args.get(i)).getCommandSpec();
            i++;
        }
        for (; i < args.size(); i++) {
            String word = args.get(i);
            if (!word.startsWith("-") || word.matches("-\\d.*")) {
                parsed.add(word);
                continue;
            }
            String name = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
            OptionSpec option = spec.findOption(name);
            if (option == null) {
                throw new AssertionError(spec.qualifiedName() + " has no option " + name);
            }
            boolean valueFollows = i + 1 < args.size() && !(args.get(i + 1).startsWith("-") && !args.get(i + 1).matches("-\\d.*"));
            if (inline && option.arity().min() > 0 && !valueFollows && !word.contains("=")) {
                continue;   // a mention of the flag, not a use of it
            }
            parsed.add(word);
            if (option.arity().min() > 0 && valueFollows && !word.contains("=")) {
                parsed.add(sample(option, args.get(++i)));
            }
        }
        try {
            ROOT.parseArgs(parsed.toArray(String[]::new));
        } catch (CommandLine.MissingParameterException e) {
            if (!inline) {   // prose may name a command without its required flags ("kpipe produce")
                throw new AssertionError("kpipe " + String.join(" ", parsed) + ": " + e.getMessage(), e);
            }
        } catch (CommandLine.ParameterException e) {
            throw new AssertionError("kpipe " + String.join(" ", parsed) + ": " + e.getMessage(), e);
        }
    }

    /** A placeholder (N, URL, FILE...) as a value of the option's type; any other value as written. */
    private static String sample(OptionSpec option, String value) {
        if (!value.matches("[A-Z][A-Z_]*")) {
            return value;
        }
        // A list (--sensors 10k,100k) takes one value of its element type.
        Class<?> type = option.isMultiValue() ? option.auxiliaryTypes()[0] : option.type();
        if (type == int.class || type == long.class || type == Integer.class || type == Long.class
                || type == double.class || type == Double.class) {
            return "1";
        }
        return type == java.time.Duration.class ? "1s" : value;
    }

    /** Every combination of the alternatives written as {@code a|b} in one word. */
    private static List<List<String>> alternatives(List<String> words) {
        List<List<String>> out = new ArrayList<>(List.of(List.of()));
        for (String w : words) {
            List<List<String>> next = new ArrayList<>();
            for (List<String> prefix : out) {
                for (String choice : w.split("\\|", -1)) {
                    List<String> l = new ArrayList<>(prefix);
                    l.add(choice);
                    next.add(l);
                }
            }
            out = next;
        }
        return out;
    }
}
