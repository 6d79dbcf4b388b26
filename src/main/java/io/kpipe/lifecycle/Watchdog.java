package io.kpipe.lifecycle;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Ends one process kpipe started when kpipe dies, however it dies (SIGKILL included), even if
 * that process is frozen (SIGSTOP) and cannot notice by itself.
 *
 * <pre>
 * kpipe JVM ──pipe──► watchdog shell (own session: Ctrl-C does not reach it)
 *                       │ reads the pipe; a line means "released": exit, do nothing
 *                       │ end of input means kpipe is gone:
 *                       ├─ 1. SIGCONT the process     (a frozen child gets going again)
 *                       ├─ 2. optional stop signal    (for one with no lifeline of its own)
 *                       ├─ 3. wait up to the grace    (the child's lifeline ends it in order)
 *                       ├─ 4. SIGKILL if still there
 *                       └─ 5. optional: delete a directory; exit
 * </pre>
 *
 * Signals go only to the PID it was given, and only while that PID is still the same process
 * (same start time in {@code /proc}): a PID the system reused since is never touched. The
 * watchdog releases itself when its process exits, so none outlives what it guards.
 *
 * <pre>
 * Process child = builder.start();
 * Watchdog.guard(child.toHandle(), Watchdog.Ending.lifeline(Duration.ofSeconds(20)));
 * </pre>
 */
public final class Watchdog implements AutoCloseable {
    /** How the guarded process is ended once kpipe is gone. */
    public record Ending(String stopSignal, Duration grace, Path deleteAfter) {
        /**
         * For a child that ends itself when its stdin closes (brokers, processors): only thawed,
         * then SIGKILLed if it is still there after {@code grace}.
         */
        public static Ending lifeline(Duration grace) {
            return new Ending(null, grace, null);
        }

        public Ending {
            if (stopSignal != null && !stopSignal.matches("[A-Z]+")) {
                throw new IllegalArgumentException("stopSignal must be a signal name like INT, got '" + stopSignal + "'");
            }
            if (grace.isNegative()) {
                throw new IllegalArgumentException("grace must not be negative, got " + grace);
            }
        }
    }

    private static final Optional<Path> SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
            .map(Path::of).filter(Files::isExecutable).findFirst();

    /*
     * $1 pid, $2 stop signal or "-", $3 grace in tenths of a second, $4 directory to delete or "".
     * same: the PID still names the process it named when the watchdog started (state Z: it is dead).
     */
    private static final String SCRIPT = String.join("\n",
            "pid=$1; sig=$2; tenths=$3; dir=$4",
            "started() { s=$(cat /proc/$pid/stat 2>/dev/null) || return 0; s=${s##*\\) }; set -- $s;"
                    + " [ \"$1\" = Z ] || echo \"${20}\"; }",
            "born=$(started)",
            "if read -r released; then exit 0; fi",
            "same() { [ -n \"$born\" ] && [ \"$(started)\" = \"$born\" ]; }",
            "same && kill -CONT $pid 2>/dev/null",
            "[ \"$sig\" != - ] && same && kill -$sig $pid 2>/dev/null",
            "i=0; while [ $i -lt $tenths ] && same; do sleep 0.1; i=$((i+1)); done",
            "same && kill -KILL $pid 2>/dev/null",
            "[ -n \"$dir\" ] && rm -rf \"$dir\"",
            "exit 0");

    private final Process shell;
    private final OutputStream pipe;
    private boolean released;

    private Watchdog(Process shell) {
        this.shell = shell;
        this.pipe = shell.getOutputStream();
    }

    /**
     * Starts a watchdog for {@code process}; it releases itself when the process exits. Call this
     * right after starting the process: its identity is taken from {@code /proc} now.
     */
    public static Watchdog guard(ProcessHandle process, Ending ending) {
        List<String> cmd = new ArrayList<>();
        SETSID.ifPresent(p -> cmd.add(p.toString()));
        cmd.addAll(List.of("sh", "-c", SCRIPT, "kpipe-watchdog", Long.toString(process.pid()),
                ending.stopSignal() == null ? "-" : ending.stopSignal(),
                Long.toString(ending.grace().toMillis() / 100),
                ending.deleteAfter() == null ? "" : ending.deleteAfter().toAbsolutePath().toString()));
        Process shell;
        try {
            shell = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the watchdog of process " + process.pid(), e);
        }
        Watchdog dog = new Watchdog(shell);
        process.onExit().thenRun(dog::close);
        return dog;
    }

    /** The watchdog's own PID. */
    public long pid() {
        return shell.pid();
    }

    /** Tells the watchdog kpipe is ending its process itself: it exits without acting. Idempotent. */
    @Override
    public synchronized void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            pipe.write("released\n".getBytes(StandardCharsets.US_ASCII));
            pipe.close();
        } catch (IOException ignored) {
            // Its end of the pipe is closed: the watchdog is gone already.
        }
        try {
            if (!shell.waitFor(5, TimeUnit.SECONDS)) {
                shell.destroyForcibly();
            }
        } catch (InterruptedException e) {
            shell.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
