package io.kpipe.cluster;

import io.kpipe.config.Secrets;
import io.kpipe.cluster.internal.Keytool;
import io.kpipe.cluster.internal.OwnerOnly;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.List;

/**
 * The TLS identity of a secured local cluster, made at its first start with the JDK's
 * {@code keytool}: a throwaway CA, and one broker certificate it signs (EC P-256, PKCS12,
 * subject {@value #DN}, subject alternative names IP 127.0.0.1 and DNS localhost, extended key
 * usage serverAuth and clientAuth, so the same certificate serves the client listeners and both
 * ends of the controllers' mutual TLS). Keystore and truststore passwords are random, each in a
 * 0600 file beside its store. The CA's private key is deleted once the certificate is signed:
 * nothing else can be signed by it.
 *
 * <pre>
 * dir (0700)  broker.p12  broker.p12.password  truststore.p12  truststore.p12.password  ca.pem
 * </pre>
 */
public record BrokerCertificate(Path keystore, Path keystorePassword, Path truststore, Path truststorePassword,
                                Path caPem) {
    /** The brokers' distinguished name; as a TLS principal {@link #PRINCIPAL}. */
    public static final String DN = "CN=kpipe-broker";
    public static final String PRINCIPAL = "User:" + DN;
    private static final String VALIDITY_DAYS = "365";
    private static final String SAN = "SAN=IP:127.0.0.1,DNS:localhost";

    /** The files of the certificate in {@code dir}, made or not. */
    public static BrokerCertificate in(Path dir) {
        return new BrokerCertificate(dir.resolve("broker.p12"), dir.resolve("broker.p12.password"),
                dir.resolve("truststore.p12"), dir.resolve("truststore.p12.password"), dir.resolve("ca.pem"));
    }

    public boolean exists() {
        return List.of(keystore, keystorePassword, truststore, truststorePassword, caPem).stream().allMatch(Files::isRegularFile);
    }

    /** Makes a CA and a broker certificate in {@code dir} (owner-only, existing). */
    public static BrokerCertificate create(Path dir) {
        BrokerCertificate c = in(dir);
        Path caStore = dir.resolve("ca.p12");
        // Left over by a start that failed half way: keytool adds to a store, it would find the alias taken.
        for (String f : List.of("ca.p12", "broker.p12", "truststore.p12", "broker.csr", "broker.crt")) {
            try {
                Files.deleteIfExists(dir.resolve(f));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + dir.resolve(f), e);
            }
        }
        Path caPassword = OwnerOnly.write(dir.resolve("ca.p12.password"), Secrets.randomSecret() + "\n");
        OwnerOnly.write(c.keystorePassword, Secrets.randomSecret() + "\n");
        OwnerOnly.write(c.truststorePassword, Secrets.randomSecret() + "\n");
        Keytool keytool = new Keytool(dir);
        // The two key pairs at once: each keytool is a JVM start.
        Process ca = keytool.start("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=kpipe local CA", "-validity", VALIDITY_DAYS, "-ext", "bc:c", "-ext", "KU:c=keyCertSign,cRLSign",
                "-keystore", caStore.getFileName().toString(), "-storetype", "PKCS12",
                "-storepass:file", caPassword.getFileName().toString(), "-keypass:file", caPassword.getFileName().toString());
        Process broker = keytool.start("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", DN, "-validity", VALIDITY_DAYS, "-keystore", c.keystore.getFileName().toString(),
                "-storetype", "PKCS12", "-storepass:file", c.keystorePassword.getFileName().toString(),
                "-keypass:file", c.keystorePassword.getFileName().toString());
        Keytool.await(ca, "making the CA's key pair");
        Keytool.await(broker, "making the broker's key pair");
        keytool.run("writing the broker's certificate request", "-certreq", "-alias", "broker",
                "-keystore", c.keystore.getFileName().toString(), "-storetype", "PKCS12",
                "-storepass:file", c.keystorePassword.getFileName().toString(), "-file", "broker.csr");
        keytool.run("signing the broker's certificate", "-gencert", "-alias", "ca",
                "-keystore", caStore.getFileName().toString(), "-storetype", "PKCS12",
                "-storepass:file", caPassword.getFileName().toString(), "-infile", "broker.csr", "-outfile", "broker.crt",
                "-rfc", "-validity", VALIDITY_DAYS, "-ext", SAN, "-ext", "EKU=serverAuth,clientAuth",
                "-ext", "KU:c=digitalSignature,keyAgreement");
        try {
            assemble(dir, c, caStore, caPassword);
            for (String f : List.of("ca.p12", "ca.p12.password", "broker.csr", "broker.crt")) {
                Files.deleteIfExists(dir.resolve(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot assemble the broker's key stores in " + dir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot assemble the broker's key stores in " + dir + ": " + e.getMessage(), e);
        }
        return c;
    }

    /**
     * The broker keystore with the signed certificate and the CA as its chain, the truststore with
     * the CA, and the CA as PEM for clients.
     */
    private static void assemble(Path dir, BrokerCertificate c, Path caStore, Path caPassword)
            throws IOException, GeneralSecurityException {
        Certificate caCert = load(caStore, password(caPassword)).getCertificate("ca");
        char[] pw = password(c.keystorePassword);
        KeyStore brokerStore = load(c.keystore, pw);
        Key key = brokerStore.getKey("broker", pw);
        Certificate signed;
        try (InputStream in = Files.newInputStream(dir.resolve("broker.crt"))) {
            signed = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        brokerStore.setKeyEntry("broker", key, pw, new Certificate[] {signed, caCert});
        store(brokerStore, c.keystore, pw);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", caCert);
        store(trust, c.truststore, password(c.truststorePassword));
        OwnerOnly.write(c.caPem, pem(caCert));
    }

    static String pem(Certificate cert) throws GeneralSecurityException {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    private static KeyStore load(Path file, char[] password) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        }
        return ks;
    }

    private static void store(KeyStore ks, Path file, char[] password) throws IOException, GeneralSecurityException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ks.store(bytes, password);
        OwnerOnly.write(file, bytes.toByteArray());
    }

    /** The first line of a password file. */
    static char[] password(Path file) {
        return readSecret(file).toCharArray();
    }

    static String readSecret(Path file) {
        try {
            return Files.readAllLines(file).get(0).strip();
        } catch (IOException | IndexOutOfBoundsException e) {
            throw new IllegalStateException("cannot read the secret in " + file + ": " + e.getMessage(), e);
        }
    }
}
