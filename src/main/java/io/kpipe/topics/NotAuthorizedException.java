package io.kpipe.topics;

/**
 * The cluster's ACLs do not let this client's principal do what a command needs; the message
 * names the principal, each missing operation and its resource, in one line.
 */
public final class NotAuthorizedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NotAuthorizedException(String message) {
        super(message);
    }
}
