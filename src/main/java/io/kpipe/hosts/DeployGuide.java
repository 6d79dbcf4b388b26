package io.kpipe.hosts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The deployment guide's processor command, as {@code kpipe run --hosts} runs it on each processor
 * host: the one line of docs/deploy.md (bundled in the jar) in a {@code bash} block that starts
 * with {@code kpipe process}, run by bash as it is written, with the guide's shell variables set to
 * the host's values and {@code kpipe} a shell function that execs kpipe's JVM. So the guide's line is
 * what the simulated hosts run: a flag it misspells, a file it names that a host does not have, or a
 * variable the guide does not define makes {@code kpipe run --hosts} fail, not only the page.
 *
 * <pre>
 * bash -c SCRIPT kpipe-guide BOOTSTRAP HOST ETC STATE n JVM_1..JVM_n FLAG...
 * SCRIPT: set the four variables; kpipe() { exec JVM "$@" FLAG...; }; the guide's line, verbatim
 * </pre>
 *
 * The flags after the guide's own are the run's settings the guide leaves at their defaults
 * ({@code --guarantee}, {@code --emit}, ...) or that the run sets otherwise ({@code --threads}):
 * {@code kpipe process} counts the last value of a flag given twice. bash's {@code exec} keeps the
 * PID, so the caller's watchdog, lifeline and host namespace apply to the JVM itself.
 */
public final class DeployGuide {
    /** The variables the guide's commands read (its "The settings, once" section). */
    public static final List<String> VARIABLES = List.of("BOOTSTRAP", "HOST", "ETC", "STATE");
    private static final String RESOURCE = "deploy.md";
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)");
    /**
     * A word of the line bash runs as kpipe means it: literal characters, and variables only inside
     * double quotes (no word splitting, globbing or expansion beyond the variable's value).
     */
    private static final Pattern WORD = Pattern.compile(
            "(?:[A-Za-z0-9_./:=,@%+-]|\"(?:[A-Za-z0-9_./:=,@%+-]|\\$[A-Za-z_][A-Za-z0-9_]*|\\$\\{[A-Za-z_][A-Za-z0-9_]*})*\")+");

    private final String line;

    private DeployGuide(String line) {
        this.line = line;
    }

    /** The guide bundled in kpipe's jar. */
    public static DeployGuide bundled() {
        try (InputStream in = DeployGuide.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("docs/deploy.md is not in kpipe's jar (io/kpipe/hosts/" + RESOURCE + ")");
            }
            return of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read docs/deploy.md from kpipe's jar", e);
        }
    }

    /** The guide in {@code markdown}: its one {@code kpipe process} line in a bash block, checked. */
    static DeployGuide of(String markdown) {
        List<String> found = new ArrayList<>();
        boolean inBash = false;
        for (String l : markdown.split("\n", -1)) {
            String s = l.strip();
            if (s.startsWith("```")) {
                inBash = !inBash && s.equals("```bash");
                continue;
            }
            if (inBash && s.startsWith("kpipe process ")) {
                found.add(s);
            }
        }
        if (found.size() != 1) {
            throw new IllegalStateException("docs/deploy.md must have exactly one 'kpipe process' line in a bash block, found "
                    + found.size());
        }
        String line = found.get(0);
        for (String word : line.split(" +")) {
            if (!WORD.matcher(word).matches()) {
                throw new IllegalStateException("docs/deploy.md's 'kpipe process' line must be one command of literal "
                        + "words and \"$VARIABLE\"s in double quotes; it has '" + word + "'");
            }
        }
        Matcher v = VARIABLE.matcher(line);
        while (v.find()) {
            if (!VARIABLES.contains(v.group(1))) {
                throw new IllegalStateException("docs/deploy.md's 'kpipe process' line reads $" + v.group(1)
                        + ", which kpipe run --hosts does not set; it sets " + String.join(", ", VARIABLES));
            }
        }
        return new DeployGuide(line);
    }

    /** The guide's line, as written. */
    public String line() {
        return line;
    }

    /**
     * The port the guide's processors serve HTTP on: the value of its last {@code --http-port} (the
     * one {@code kpipe process} counts), else kpipe's default 8080.
     */
    public int httpPort() {
        String[] words = line.replace("\"", "").split(" +");
        String port = "8080";
        for (int i = 0; i < words.length; i++) {
            if (words[i].startsWith("--http-port=")) {
                port = words[i].substring("--http-port=".length());
            } else if (words[i].equals("--http-port") && i + 1 < words.length) {
                port = words[++i];
            }
        }
        if (!port.matches("[1-9][0-9]{0,4}")) {
            throw new IllegalStateException("docs/deploy.md's 'kpipe process' line must give --http-port a fixed port; "
                    + "it has '" + port + "'");
        }
        return Integer.parseInt(port);
    }

    /**
     * The command that runs the guide's line with {@code values} for its {@link #VARIABLES}, where
     * {@code kpipe} is {@code jvm} (a leading {@code setsid} stays first) with {@code flags} after the
     * guide's own.
     */
    public List<String> command(Map<String, String> values, List<String> jvm, List<String> flags) {
        if (!values.keySet().equals(java.util.Set.copyOf(VARIABLES))) {
            throw new IllegalArgumentException("values for exactly " + VARIABLES + " needed, got " + values.keySet());
        }
        List<String> cmd = new ArrayList<>();
        int from = 0;
        if (!jvm.isEmpty() && jvm.get(0).endsWith("/setsid")) {
            cmd.add(jvm.get(0));
            from = 1;
        }
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < VARIABLES.size(); i++) {
            script.append(VARIABLES.get(i)).append("=$").append(i + 1).append('\n');
        }
        int n = VARIABLES.size() + 1;
        script.append("n=$").append(n).append("; shift ").append(n).append('\n')
                .append("JVM=(\"${@:1:$n}\"); shift \"$n\"; FLAGS=(\"$@\")\n")
                .append("kpipe() { exec \"${JVM[@]}\" \"$@\" \"${FLAGS[@]}\"; }\n")
                .append(line).append('\n')
                .append("echo \"kpipe: the deployment guide's line did not start kpipe\" >&2; exit 70\n");
        cmd.addAll(List.of("bash", "-c", script.toString(), "kpipe-guide"));
        VARIABLES.forEach(name -> cmd.add(values.get(name)));
        List<String> java = jvm.subList(from, jvm.size());
        cmd.add(Integer.toString(java.size()));
        cmd.addAll(java);
        cmd.addAll(flags);
        return cmd;
    }
}
