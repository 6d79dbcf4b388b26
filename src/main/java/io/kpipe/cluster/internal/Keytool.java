package io.kpipe.cluster.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's own {@code keytool}, from the Java this process runs on ({@code java.home}), as a child
 * process. Passwords reach it only as {@code -storepass:file}, never on its command line.
 */
public final class Keytool {
    private static final long TIMEOUT_S = 60;
    /** A short-lived tool: no need for C2 or a large heap. */
    private static final List<String> JVM = List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Xmx64m");

    private final Path dir;

    /** Runs in {@code dir}: file names in arguments are relative to it. */
    public Keytool(Path dir) {
        this.dir = dir;
    }

    /** Starts {@code keytool args...}; {@link #await} it. */
    public Process start(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(JVM);
        cmd.addAll(List.of(args));
        try {
            return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd.get(0), e);
        }
    }

    /** Waits for a keytool started by {@link #start}; one that failed throws with what it printed. */
    public static void await(Process p, String what) {
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool did not finish " + what + " within " + TIMEOUT_S + " s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("keytool failed " + what + " (exit " + p.exitValue() + "): "
                        + output.replaceAll("\\s*\\R\\s*", " "));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read keytool's output " + what, e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted " + what, e);
        }
    }

    /** Runs {@code keytool args...} to its end. */
    public void run(String what, String... args) {
        await(start(args), what);
    }
}
