package io.kpipe.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The command line of a child JVM of kpipe (a broker, a processor): the same Java and class path
 * as this process, in a session of its own. Ctrl-C in a terminal signals the whole foreground
 * process group, and children must outlive their parent's orderly shutdown: kpipe stops them
 * itself, in order. Children watch their stdin, so they also end when kpipe dies; a {@link Watchdog}
 * thaws a frozen one so it can notice, and SIGKILLs one that does not end within its grace.
 */
public final class ChildJvm {
    private static final Optional<Path> SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
            .map(Path::of).filter(Files::isExecutable).findFirst();

    private ChildJvm() {}

    /**
     * Starts a child JVM (a {@link #command}) under a {@link Watchdog}: if kpipe dies, the child is
     * thawed so its stdin lifeline ends it, and SIGKILLed if it is still there after {@code grace}.
     * The caller keeps the child's stdin open and never writes to it.
     */
    public static Process start(ProcessBuilder builder, Duration grace) throws IOException {
        Process p = builder.start();
        Watchdog.guard(p.toHandle(), Watchdog.Ending.lifeline(grace));
        return p;
    }

    /**
     * @param jvmOptions   heap, GC and system properties
     * @param extraEnv     an environment variable with more JVM options (space-separated), or null
     */
    public static List<String> command(List<String> jvmOptions, String extraEnv, String mainClass, List<String> args) {
        return command(jvmOptions, extraEnv, System.getProperty("java.class.path"), mainClass, args);
    }

    /** A child JVM on a class path of its own (the Spark engine's, which must not meet kpipe's). */
    public static List<String> command(List<String> jvmOptions, String extraEnv, String classPath, String mainClass,
                                       List<String> args) {
        List<String> cmd = new ArrayList<>();
        SETSID.ifPresent(p -> cmd.add(p.toString()));
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        String extra = extraEnv == null ? null : System.getenv(extraEnv);
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }
}
