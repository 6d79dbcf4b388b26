package io.kpipe.cli;

import io.kpipe.config.HttpEndpoint;
import io.kpipe.config.UsageException;
import io.kpipe.http.HttpService;
import io.kpipe.metrics.Metrics;
import io.kpipe.lifecycle.Resources;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --http-port} of every long-running command ({@code run}, {@code process}, {@code ingest},
 * {@code sink ...}): the one HTTP server of the process, on 127.0.0.1 (or {@code --http-bind} with
 * {@code --http-tls}: {@link HttpEndpoint}), serving /metrics and the command's own paths. The
 * same meaning everywhere: a port; 0 picks a free one; -1 serves none ({@code kpipe ingest}, which
 * is nothing but its server, refuses -1).
 */
final class HttpOption {
    /** The value that serves no HTTP at all. */
    static final int NONE = -1;

    @Option(names = "--http-port", defaultValue = "8080", paramLabel = "PORT",
            description = "HTTP server on 127.0.0.1 for /metrics and this command's own paths; 0 picks a free port, "
                    + "-1 serves none (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--http-bind", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "Address the HTTP server listens on (default ${DEFAULT-VALUE}); any but a loopback address "
                    + "needs --http-tls, and where POST /ingest is served, --ingest-token-file.")
    String bind;

    @Option(names = "--http-tls", paramLabel = "KEYSTORE",
            description = "Serve HTTPS with the key and certificate in this keystore (PKCS12 or JKS).")
    Path tls;

    @Option(names = "--http-tls-password-file", paramLabel = "FILE",
            description = "A file whose first line is the password of the --http-tls keystore.")
    Path tlsPasswordFile;

    /** Address and TLS, checked: beyond loopback only with TLS. */
    HttpEndpoint endpoint() {
        return new HttpEndpoint(bind, tls, SecretFile.read(tlsPasswordFile, "--http-tls-password-file"));
    }

    /** The port as given, checked: a port, 0, or -1. */
    int port() {
        UsageException.require(port >= NONE && port <= 65535, "--http-port",
                "must be 0..65535 (0: a free port) or -1 (none), got " + port);
        return port;
    }

    /** Refuses -1 for a command that has nothing to do without its server. */
    void requireServer(String command) {
        UsageException.require(port() != NONE, "--http-port",
                "must be 0..65535 (0: a free port): " + command + " is an HTTP server, -1 (none) leaves it nothing to do");
    }

    /** The server (null with -1), closed with {@code resources}; {@code metrics} served on it. */
    HttpService start(Resources resources, Metrics metrics) {
        if (port() == NONE) {
            return null;
        }
        HttpService http = resources.add(HttpService.start(endpoint(), port));
        metrics.serveOn(http);
        return http;
    }
}
