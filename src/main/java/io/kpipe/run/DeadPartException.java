package io.kpipe.run;

/**
 * A part of a run (a processor, the sink, the generator) died on its own: the run stops everything
 * it started and ends with this message, one line that names the part and says why, e.g.
 * {@code processor 2 (pid 1234) exited with code 137}.
 */
public final class DeadPartException extends RuntimeException {
    public DeadPartException(String why) {
        super(why.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim());
    }

    /** The innermost cause's message (its class name when it has none): what a user can act on. */
    static String rootCause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
