package io.kpipe.model;

/**
 * Checks of raw UTF-8 bytes that allocate nothing. Well-formed means as the Unicode standard
 * defines it (chapter 3, table 3-7): no overlong forms (so no {@code C0 80} for NUL), no encoded
 * surrogates (CESU-8), nothing above U+10FFFF, no cut-off sequence. {@code new String(bytes, UTF_8)}
 * and Jackson are both lenient here, in different ways, so the decoder asks this class first.
 */
final class Utf8 {
    /** Which control characters {@link #firstProblem} lets through. */
    enum Controls {
        /** None: C0 (U+0000..U+001F), DEL (U+007F) and C1 (U+0080..U+009F) are all problems. */
        NONE,
        /** JSON's rule for raw text: of C0, only tab, line feed and carriage return; DEL and C1 pass. */
        JSON_WHITESPACE,
        /** All of them: only well-formedness is checked. */
        ALL
    }

    private static final int JSON_WHITESPACE = (1 << '\t') | (1 << '\n') | (1 << '\r');

    private Utf8() {}

    /** Length of a leading UTF-8 byte order mark ({@code EF BB BF}): 3 if {@code b} starts with one, else 0. */
    static int bomLength(byte[] b) {
        return b.length >= 3 && b[0] == (byte) 0xEF && b[1] == (byte) 0xBB && b[2] == (byte) 0xBF ? 3 : 0;
    }

    /**
     * Index of the first byte of {@code b[from, to)} that starts an ill-formed sequence or a
     * control character that {@code allowed} does not let through; -1 if there is none.
     * {@link #controlAt} then tells which of the two it is.
     */
    static int firstProblem(byte[] b, int from, int to, Controls allowed) {
        int i = from;
        while (i < to) {
            int c = b[i];
            if (c >= 0) {
                if ((c < 0x20 || c == 0x7F) && !allows(allowed, c)) {
                    return i;
                }
                i++;
                continue;
            }
            int n = sequenceLength(b, i, to);
            if (n == 0) {
                return i;
            }
            // C1 controls are exactly the two-byte sequences C2 80 .. C2 9F.
            if (allowed == Controls.NONE && n == 2 && b[i] == (byte) 0xC2 && (b[i + 1] & 0xFF) <= 0x9F) {
                return i;
            }
            i += n;
        }
        return -1;
    }

    /**
     * The control character (C0, DEL or C1) that starts at {@code b[i]}, as a code point, or -1 if
     * the bytes there are not one (then they are ill-formed, when {@link #firstProblem} found them).
     */
    static int controlAt(byte[] b, int i, int to) {
        int c = b[i] & 0xFF;
        if (c < 0x20 || c == 0x7F) {
            return c;
        }
        if (c == 0xC2 && i + 1 < to && (b[i + 1] & 0xFF) >= 0x80 && (b[i + 1] & 0xFF) <= 0x9F) {
            return b[i + 1] & 0xFF;
        }
        return -1;
    }

    private static boolean allows(Controls allowed, int c) {
        return switch (allowed) {
            case NONE -> false;
            case JSON_WHITESPACE -> c == 0x7F || (JSON_WHITESPACE & (1 << c)) != 0;
            case ALL -> true;
        };
    }

    /** Length of the well-formed multi-byte sequence at {@code b[i]}, or 0 if it is ill-formed. */
    private static int sequenceLength(byte[] b, int i, int to) {
        int lead = b[i] & 0xFF;
        int n;
        // The second byte's range is where overlongs, surrogates and code points past U+10FFFF are ruled out.
        int low = 0x80;
        int high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            n = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            n = 3;
            if (lead == 0xE0) {
                low = 0xA0;
            } else if (lead == 0xED) {
                high = 0x9F;
            }
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            n = 4;
            if (lead == 0xF0) {
                low = 0x90;
            } else if (lead == 0xF4) {
                high = 0x8F;
            }
        } else {
            return 0;
        }
        if (to - i < n) {
            return 0;
        }
        int second = b[i + 1] & 0xFF;
        if (second < low || second > high) {
            return 0;
        }
        for (int k = 2; k < n; k++) {
            if ((b[i + k] & 0xC0) != 0x80) {
                return 0;
            }
        }
        return n;
    }
}
