package io.kpipe.cli;

import io.kpipe.config.SecurityMode;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code --security plaintext|sasl_ssl}: how a local cluster secures itself (docs/security.md). */
final class SecurityOption {
    @Option(names = "--security", defaultValue = "plaintext", paramLabel = "plaintext|sasl_ssl",
            converter = ModeConverter.class,
            description = "plaintext, or sasl_ssl: TLS, SCRAM-SHA-512 logins, one principal per role with ACLs; "
                    + "client settings in files (docs/security.md) (default ${DEFAULT-VALUE}).")
    SecurityMode mode;

    static final class ModeConverter implements ITypeConverter<SecurityMode> {
        @Override
        public SecurityMode convert(String value) {
            for (SecurityMode m : SecurityMode.values()) {
                if (m.flagName().equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new TypeConversionException("'" + value + "' is not a security mode; use plaintext or sasl_ssl");
        }
    }
}
