package io.kpipe.cli;

import io.kpipe.http.HttpService;
import io.kpipe.metrics.Metrics;
import io.kpipe.lifecycle.Resources;
import picocli.CommandLine.Option;

/** {@code --http-port} of a long-running command: its HTTP server on 127.0.0.1, with /metrics. */
final class HttpOption {
    @Option(names = "--http-port", defaultValue = "8080",
            description = "HTTP port on 127.0.0.1 (/metrics and the command's own paths); 0 picks a free port, "
                    + "-1 serves none (default ${DEFAULT-VALUE}).")
    int port;

    /** The server (null with -1), closed with {@code resources}; {@code metrics} served on it. */
    HttpService start(Resources resources, Metrics metrics) {
        if (port == -1) {
            return null;
        }
        HttpService http = resources.add(HttpService.start("127.0.0.1", port));
        metrics.serveOn(http);
        return http;
    }
}
