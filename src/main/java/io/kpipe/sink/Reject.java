package io.kpipe.sink;

import java.nio.charset.StandardCharsets;

/**
 * A record the sink cannot write, ever: its source position, why, and the SQLState if the database
 * said so (null for a record that could not be decoded). It goes to {@code sink_rejects}.
 */
record Reject(Origin origin, String reason, String sqlState) {
    /** Reasons are bounded: a hostile record must not make the reject row itself unwritable or huge. */
    private static final int MAX_REASON = 500;

    Reject {
        reason = storable(reason, MAX_REASON);
    }

    /**
     * {@code s} as PostgreSQL {@code text} accepts it: NUL (which text cannot hold) and other
     * control characters become U+FFFD, and it is cut to {@code max} characters.
     */
    static String storable(String s, int max) {
        if (s == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char ch = s.charAt(i);
            b.append(Character.isISOControl(ch) && ch != '\t' ? '\uFFFD' : ch);
        }
        return b.toString();
    }

    /** The key as text, as far as it is text (invalid UTF-8 and control characters replaced); null for no key. */
    String keyText() {
        byte[] key = origin.key();
        return key == null ? null : storable(new String(key, StandardCharsets.UTF_8), 1000);
    }
}
