package io.kpipe.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where and how a kpipe HTTP server listens ({@code --http-bind}, {@code --http-tls},
 * {@code --http-tls-password-file}; the port is {@code --http-port}). A loopback address serves
 * plain HTTP to this machine only; any other address is refused unless the server speaks TLS with
 * the key in {@code keystore} (PKCS12 or JKS, its password read from a file). Commands that serve
 * {@code POST /ingest} also need a bearer token beyond loopback ({@link #requireTokenBeyondLoopback}).
 */
public record HttpEndpoint(String bind, Path keystore, String keystorePassword) {
    /** 127.0.0.1, plain HTTP: the default. */
    public static final HttpEndpoint LOOPBACK = new HttpEndpoint("127.0.0.1", null, null);

    public HttpEndpoint {
        UsageException.require(bind != null && !bind.isBlank(), "--http-bind", "must be an address of this machine, e.g. 127.0.0.1");
        UsageException.require(keystore != null || keystorePassword == null, "--http-tls-password-file",
                "only with --http-tls KEYSTORE");
        if (keystore != null) {
            UsageException.require(Files.isRegularFile(keystore), "--http-tls", "no such file: " + keystore);
            UsageException.require(keystorePassword != null, "--http-tls",
                    "needs --http-tls-password-file FILE, a file whose first line is the keystore's password");
        }
        UsageException.require(keystore != null || loopback(bind), "--http-bind", bind + " is not a loopback address; "
                + "HTTP beyond this machine needs TLS: add --http-tls KEYSTORE and --http-tls-password-file FILE");
    }

    public boolean tls() {
        return keystore != null;
    }

    /** Whether only this machine can reach the server. */
    public boolean loopback() {
        return loopback(bind);
    }

    /**
     * Refuses a server beyond loopback that takes {@code POST /ingest} from anyone: {@code token}
     * (from {@code --ingest-token-file}) must be set there.
     */
    public void requireTokenBeyondLoopback(String token) {
        UsageException.require(loopback() || token != null, "--http-bind", bind + " is not a loopback address; "
                + "POST /ingest beyond this machine needs a token: add --ingest-token-file FILE");
    }

    private static boolean loopback(String bind) {
        try {
            return InetAddress.getByName(bind).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new UsageException("--http-bind", "'" + bind + "' is not an address of this machine");
        }
    }

    /** Printable: the keystore's password is masked. */
    @Override
    public String toString() {
        return Secrets.describe(this);
    }
}
