package io.kpipe.sink;

import java.sql.SQLException;

/**
 * What a failed database write means, by SQLState (PostgreSQL appendix A), for the sink: try again
 * later, or give up on the rows that caused it.
 *
 * <pre>
 * class  meaning                          verdict
 * 22     data exception (bad encoding,    REJECT: the same row fails every time; it goes to
 *        NUL byte, value out of range)            sink_rejects and the sink moves on
 * 23     integrity constraint violation   REJECT
 * 08     connection exception             RETRY (with backoff, the batch kept)
 * 53     insufficient resources           RETRY
 * 57     operator intervention (shutdown, RETRY
 *        cancel, cannot connect now)
 * 40     transaction rollback (40001      RETRY
 *        serialization, 40P01 deadlock)
 * else   (no state: I/O in the driver;    RETRY: nothing about the rows says they are bad, and
 *        42 a dropped table or missing            rejecting a whole batch because the database is
 *        grant; 58 system error; XX ...)          misconfigured would lose it; an operator can fix it
 * </pre>
 */
public final class SqlStates {
    /** What to do with a batch whose write failed. */
    public enum Verdict { RETRY, REJECT }

    private SqlStates() {}

    /** The verdict for {@code e}, looking through its chain of next exceptions for the first SQLState. */
    public static Verdict classify(SQLException e) {
        return of(stateOf(e));
    }

    /** The verdict for a SQLState (null: none was given). */
    public static Verdict of(String sqlState) {
        if (sqlState == null || sqlState.length() < 2) {
            return Verdict.RETRY;
        }
        return switch (sqlState.substring(0, 2)) {
            case "22", "23" -> Verdict.REJECT;
            default -> Verdict.RETRY;
        };
    }

    /**
     * The first SQLState in {@code e}, its next exceptions (a JDBC batch reports the row's error
     * as the next exception of a generic one) or its causes; null if none has one.
     */
    static String stateOf(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                for (SQLException n = s; n != null; n = n.getNextException()) {
                    if (n.getSQLState() != null) {
                        return n.getSQLState();
                    }
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
