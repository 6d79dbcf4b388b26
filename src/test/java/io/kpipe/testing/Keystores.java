package io.kpipe.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed server certificate for 127.0.0.1 made with the JDK's own {@code keytool}, as a
 * user would make one for {@code --http-tls}: a PKCS12 keystore, its password in a file, and the
 * certificate as PEM for clients to trust.
 */
public record Keystores(Path keystore, Path passwordFile, Path certificate) {
    public static final String PASSWORD = "kpipe-test-keystore";

    /** Makes the three files in {@code dir}. */
    public static Keystores make(Path dir) throws IOException, InterruptedException {
        Path keystore = dir.resolve("http.p12");
        Path pem = dir.resolve("http.pem");
        Path passwordFile = Files.writeString(dir.resolve("http.password"), PASSWORD + "\n");
        // The password from its file, as the README shows it: never on a command line.
        keytool("-genkeypair", "-alias", "kpipe-http", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass:file", passwordFile.toString());
        keytool("-exportcert", "-rfc", "-alias", "kpipe-http", "-keystore", keystore.toString(),
                "-storepass:file", passwordFile.toString(), "-file", pem.toString());
        return new Keystores(keystore, passwordFile, pem);
    }

    /** TLS for a client that trusts this certificate, and nothing else. */
    public SSLContext trustingClient() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certificate)) {
            Certificate cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
            trust.setCertificateEntry("kpipe-http", cert);
        }
        TrustManagerFactory tm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tm.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tm.getTrustManagers(), null);
        return ssl;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
        }
    }
}
