package io.kpipe.config;

import java.util.Locale;

/**
 * How a local cluster talks to its clients: {@code PLAINTEXT} (no authentication, no encryption,
 * no ACLs: the fastest, for a laptop) or {@code SASL_SSL} (TLS everywhere, SCRAM-SHA-512 logins,
 * one principal per role with ACLs; see docs/security.md).
 */
public enum SecurityMode {
    PLAINTEXT, SASL_SSL;

    /** The flag's spelling: {@code plaintext} or {@code sasl_ssl}. */
    public String flagName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
