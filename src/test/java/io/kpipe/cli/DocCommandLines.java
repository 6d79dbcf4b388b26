package io.kpipe.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kpipe command lines a Markdown file shows: every {@code kpipe ...} or {@code ./kpipe ...} in a
 * fenced code block (and a systemd unit's {@code ExecStart=/path/to/kpipe ...}), and every inline
 * code span that holds one (tables, prose). Inline spans may
 * name a flag without its value ("{@code kpipe run --chaos}"): {@link Claim#inline} says which.
 */
final class DocCommandLines {
    /** A command line as the document shows it, and where. */
    record Claim(String where, String text, boolean inline) {
        @Override
        public String toString() {
            return where + ": " + text;
        }
    }

    /** {@code kpipe} as a command, not as part of a path or a name ({@code io/kpipe/}, {@code kpipe-all.jar}). */
    private static final Pattern KPIPE = Pattern.compile("(?<![\\w/.$\"-])(?:\\./)?kpipe\\s+(.*)");
    private static final Pattern INLINE = Pattern.compile("`([^`]+)`");
    /** A systemd unit's {@code ExecStart=/usr/local/bin/kpipe ...} (docs/deploy.md): kpipe by its absolute path. */
    private static final Pattern EXEC_START = Pattern.compile("^\\s*ExecStart=[-@:+!]*/\\S*/kpipe\\s+(.*)");

    private DocCommandLines() {}

    static List<Claim> in(Path markdown) {
        List<String> lines;
        try {
            lines = Files.readAllLines(markdown);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Claim> claims = new ArrayList<>();
        boolean inBlock = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String where = markdown.getFileName() + ":" + (i + 1);
            if (line.strip().startsWith("```")) {
                inBlock = !inBlock;
                continue;
            }
            if (inBlock) {
                StringBuilder joined = new StringBuilder(line);
                while (joined.toString().endsWith("\\") && i + 1 < lines.size()) {
                    joined.setLength(joined.length() - 1);
                    joined.append(' ').append(lines.get(++i).strip());
                }
                command(joined.toString()).ifPresent(c -> claims.add(new Claim(where, c, false)));
                continue;
            }
            Matcher span = INLINE.matcher(line);
            while (span.find()) {
                // In a table, \| is a | inside the cell.
                command(span.group(1).replace("\\|", "|")).ifPresent(c -> claims.add(new Claim(where, c, true)));
            }
        }
        return claims;
    }

    /** The words after {@code kpipe}, if {@code text} runs kpipe; output lines such as "kpipe run: ..." do not. */
    private static java.util.Optional<String> command(String text) {
        Matcher exec = EXEC_START.matcher(text);
        if (exec.find()) {
            return java.util.Optional.of(exec.group(1).strip());
        }
        Matcher m = KPIPE.matcher(text);
        if (!m.find() || m.group(1).isBlank() || m.group(1).split("\\s+")[0].endsWith(":")) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(m.group(1).strip());
    }

    /**
     * The arguments of a command line as a shell would pass them, up to a comment, {@code &},
     * {@code |}, {@code ;} or a redirection; quotes removed, and the brackets of optional parts.
     */
    static List<String> words(String command) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (Character.isWhitespace(c)) {
                word = end(words, word);
            } else if (word == null && (c == '#' || c == '&' || c == '|' || c == ';' || c == '>' || c == '<')) {
                break;
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        end(words, word);
        return words.stream().map(w -> w.replaceAll("^\\[+|]+$", "")).filter(w -> !w.isEmpty()).toList();
    }

    private static StringBuilder end(List<String> words, StringBuilder word) {
        if (word != null) {
            words.add(word.toString());
        }
        return null;
    }
}
