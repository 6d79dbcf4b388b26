package io.kpipe.engine;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Where the Spark module lives ({@code spark/} beside kpipe's {@code pom.xml}), and its build: a
 * Maven project of its own, built with {@code mvn -f spark/pom.xml package} when its jar is
 * missing or older than its sources (its own, and kpipe's {@code model} package, which it
 * compiles too). {@code KPIPE_SPARK_HOME} names another directory.
 */
final class SparkModule {
    private static final String JAR = "target/kpipe-spark.jar";
    private final Path home;

    private SparkModule(Path home) {
        this.home = home;
    }

    /** The module beside the kpipe build this class was loaded from (target/classes or target/kpipe-all.jar). */
    static SparkModule locate() {
        String set = System.getenv("KPIPE_SPARK_HOME");
        if (set != null && !set.isBlank()) {
            return new SparkModule(Path.of(set));
        }
        try {
            Path loadedFrom = Path.of(SparkModule.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // .../kpipe/target/classes or .../kpipe/target/kpipe-all.jar: the project is two levels up.
            Path project = loadedFrom.getParent().getParent();
            Path home = project.resolve("spark");
            if (!Files.isRegularFile(home.resolve("pom.xml"))) {
                throw new IllegalStateException("the Spark module is not at " + home
                        + " (kpipe looks for it beside its own build; set KPIPE_SPARK_HOME to its directory)");
            }
            return new SparkModule(home);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot tell where kpipe was loaded from: " + e.getMessage(), e);
        }
    }

    /** The thin jar and every jar of its dependency directory. */
    String classPath() {
        return home.resolve(JAR) + File.pathSeparator + home.resolve("target/lib") + File.separator + "*";
    }

    /**
     * The flags Spark's launcher passes to a JVM ({@code spark/jvm.options}, one a line, checked
     * against Spark's {@code JavaModuleOptions} by the module's test), less those this Java lacks.
     */
    List<String> jvmOptions() {
        try {
            return Files.readAllLines(home.resolve("jvm.options"), StandardCharsets.UTF_8).stream()
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    // A launcher option of Java 23 and later: an older java refuses to start with it.
                    .filter(l -> Runtime.version().feature() >= 23 || !l.startsWith("--sun-misc-unsafe-memory-access"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + home.resolve("jvm.options"), e);
        }
    }

    /** Builds the module if its jar is missing or older than its sources. */
    synchronized void ensureBuilt(PrintWriter notes) {
        Path jar = home.resolve(JAR);
        if (Files.isRegularFile(jar) && !stale(jar)) {
            return;
        }
        notes.println("kpipe: building the Spark engine in " + home + " (first use, or its sources changed)...");
        notes.flush();
        Path log = home.resolve("target-build.log");
        try {
            Process mvn = new ProcessBuilder("mvn", "-B", "-q", "-DskipTests", "-f", home.resolve("pom.xml").toString(),
                    "package").redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!mvn.waitFor(30, TimeUnit.MINUTES) || mvn.exitValue() != 0) {
                mvn.destroyForcibly();
                throw new IllegalStateException("building the Spark engine failed; see " + log);
            }
            Files.deleteIfExists(log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run mvn to build the Spark engine (" + e.getMessage()
                    + "); build it with: mvn -B -DskipTests -f " + home.resolve("pom.xml") + " package", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the Spark engine", e);
        }
    }

    private boolean stale(Path jar) {
        try {
            long built = Files.getLastModifiedTime(jar).toMillis();
            Path model = home.getParent().resolve("src/main/java/io/kpipe/model");
            for (Path dir : List.of(home.resolve("src"), home.resolve("pom.xml"), model)) {
                if (!Files.exists(dir)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(dir)) {
                    if (files.anyMatch(f -> modified(f) > built)) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static long modified(Path f) {
        try {
            return Files.getLastModifiedTime(f).toMillis();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }
}
