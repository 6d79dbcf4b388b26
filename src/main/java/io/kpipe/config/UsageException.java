package io.kpipe.config;

/**
 * A setting the user gave is not allowed. The CLI prints {@link #getMessage()} as one line and
 * exits with code 2; the message names the setting, the bad value and what is allowed.
 */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String setting, String problem) {
        super(setting + ": " + problem);
    }

    /** Throws unless {@code ok}. */
    public static void require(boolean ok, String setting, String problem) {
        if (!ok) {
            throw new UsageException(setting, problem);
        }
    }
}
