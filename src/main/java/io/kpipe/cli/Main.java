package io.kpipe.cli;

import io.kpipe.config.Secrets;
import io.kpipe.config.UsageException;
import io.kpipe.topics.NotAuthorizedException;
import java.io.PrintStream;
import java.io.PrintWriter;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code kpipe} command line. Exit codes: 0 success, 1 failure (e.g. reconciliation found
 * points lost), 2 bad usage (one line on stderr naming the setting and what is allowed).
 */
@Command(name = "kpipe", mixinStandardHelpOptions = true, version = "kpipe 0.1.0",
        description = "A streaming pipeline for sensor and log data points on Apache Kafka.",
        subcommands = {RunCommand.class, ClusterCommand.class, TopicsCommand.class, GenerateCommand.class, BenchCommand.class,
                ProcessCommand.class, FaultsCommand.class, DevicesCommand.class, SinkCommand.class,
                IngestCommand.class, ProduceCommand.class})
public final class Main {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /** Runs a command line and returns its exit code; never exits the JVM. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            String prefix = ex.getCommandLine().getCommandSpec().qualifiedName() + ": ";
            err.println(prefix + oneLine(ex.getMessage()) + " (see --help)");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            String prefix = line.getCommandSpec().qualifiedName() + ": ";
            if (ex instanceof UsageException || ex instanceof ConfigException) {
                err.println(prefix + oneLine(ex.getMessage()));
                return USAGE;
            }
            for (Throwable t = ex; t != null; t = t.getCause()) {
                if (t instanceof AuthenticationException) {
                    // A wrong password, an unknown user, an untrusted certificate: the settings are wrong.
                    err.println(prefix + "the cluster refused the login (check sasl.jaas.config and ssl.* in "
                            + "--kafka-config or -X): " + oneLine(String.valueOf(t.getMessage())));
                    return USAGE;
                }
                if (t instanceof NotAuthorizedException || t instanceof AuthorizationException) {
                    err.println(prefix + "not authorized: " + oneLine(String.valueOf(t.getMessage())));
                    return FAILED;
                }
            }
            err.println(prefix + "failed: " + oneLine(String.valueOf(ex.getMessage())));
            org.slf4j.LoggerFactory.getLogger(Main.class).debug("failure", ex);
            return FAILED;
        });
        return cl.execute(args);
    }

    /** The parser of every command, as {@link #execute} uses it (tests parse documented command lines with it). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // A flag given twice counts last, for process only: kpipe run --hosts appends the run's settings to
        // the deployment guide's line, as a systemd drop-in may (docs/deploy.md).
        cl.getSubcommands().get("process").setOverwrittenOptionsAllowed(true);
        return cl;
    }

    /** One line, with any secret in it masked: error messages may quote a setting or a URL. */
    private static String oneLine(String s) {
        return Secrets.maskText(s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim());
    }
}
