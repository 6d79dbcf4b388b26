package io.kpipe.cluster.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The command line of a child JVM of kpipe (a broker, a processor): the same Java and class path
 * as this process, in a session of its own. Ctrl-C in a terminal signals the whole foreground
 * process group, and children must outlive their parent's orderly shutdown: kpipe stops them
 * itself, in order. Children watch their stdin, so they also end when kpipe dies.
 */
public final class ChildJvm {
    private static final Optional<Path> SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
            .map(Path::of).filter(Files::isExecutable).findFirst();

    private ChildJvm() {}

    /**
     * @param jvmOptions   heap, GC and system properties
     * @param extraEnv     an environment variable with more JVM options (space-separated), or null
     */
    public static List<String> command(List<String> jvmOptions, String extraEnv, String mainClass, List<String> args) {
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
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }
}
