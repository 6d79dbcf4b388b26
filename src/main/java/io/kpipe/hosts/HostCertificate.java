package io.kpipe.hosts;

import io.kpipe.config.Secrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The HTTPS identity of the processors of a run on hosts: their query servers listen on their
 * hosts' addresses, beyond loopback, so they serve TLS ({@code --http-tls}), and forward queries
 * to each other over it. One self-signed certificate (EC P-256, PKCS12, valid 2 days) whose
 * subject alternative names are every processor host's address; its keystore password is random,
 * in a 0600 file; the certificate alone as PEM for a client to trust
 * ({@code curl --cacert http.pem https://10.A.B.14:8443/api/sensors/s-1}). Made with the JDK's
 * own {@code keytool}; the password reaches it as {@code -storepass:file}, never on a command line.
 * The files have the names docs/deploy.md gives them in {@code $ETC}:
 *
 * <pre>
 * dir  http.p12  http.password  http.pem
 * </pre>
 */
public record HostCertificate(Path keystore, Path passwordFile, Path pem) {
    private static final String ALIAS = "kpipe-query";
    /** A short-lived tool: no need for C2 or a large heap. */
    private static final List<String> JVM = List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Xmx64m");

    /** Makes the three files in {@code dir} (existing), for the hosts at {@code addresses}. */
    public static HostCertificate create(Path dir, List<String> addresses) {
        HostCertificate c = new HostCertificate(dir.resolve("http.p12"), dir.resolve("http.password"),
                dir.resolve("http.pem"));
        try {
            Secrets.writeOwnerOnly(c.passwordFile, Secrets.randomSecret() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + c.passwordFile, e);
        }
        String san = addresses.stream().map(a -> "ip:" + a).collect(Collectors.joining(","));
        keytool("-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=kpipe-query",
                "-ext", "SAN=" + san, "-validity", "2", "-storetype", "PKCS12", "-keystore", c.keystore.toString(),
                "-storepass:file", c.passwordFile.toString());
        keytool("-exportcert", "-rfc", "-alias", ALIAS, "-keystore", c.keystore.toString(),
                "-storepass:file", c.passwordFile.toString(), "-file", c.pem.toString());
        try {
            // keytool writes under the umask; the key is as secret as its password (the certificate is not).
            java.nio.file.Files.setPosixFilePermissions(c.keystore, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + c.keystore + " readable by its owner only", e);
        }
        return c;
    }

    private static void keytool(String... args) {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(JVM);
        cmd.addAll(List.of(args));
        VirtualHosts.run(cmd.toArray(String[]::new));
    }
}
