package io.kpipe.model;

/**
 * Splits one CSV line of a point into its three fields, quoted as RFC 4180 says: a field may be
 * enclosed in double quotes, and may then hold commas, line breaks and quotes written twice
 * ({@code ""} is one {@code "}). The quotes are not part of the value.
 *
 * <p>Beyond the RFC, and as before quoting was supported, blanks ({@link Character#isWhitespace})
 * around a field are not part of it; inside quotes they are. A quote in an unquoted field, text
 * after a closing quote, or a quote never closed is malformed: each is how a broken writer shows.
 */
final class CsvLine {
    /** The fields of a point, in order. */
    static final String[] NAMES = {"sensor", "ts", "value"};

    private CsvLine() {}

    /**
     * The three fields of {@code line}; throws {@link MalformedPointException} naming the field and
     * the fault if the quoting is broken or there are not exactly three fields.
     */
    static String[] split(String line) {
        String[] fields = new String[NAMES.length];
        StringBuilder quoted = new StringBuilder();
        int count = 0;
        int at = 0;
        int n = line.length();
        while (true) {
            int start = skipBlanks(line, at);
            int end;
            String field;
            if (start < n && line.charAt(start) == '"') {
                quoted.setLength(0);
                int after = unquote(line, start, quoted, count);
                end = skipBlanks(line, after);
                if (end < n && line.charAt(end) != ',') {
                    throw new MalformedPointException("CSV field " + name(count) + " has text after its closing quote");
                }
                field = quoted.toString();
            } else {
                end = line.indexOf(',', start);
                end = end < 0 ? n : end;
                if (indexOf(line, '"', start, end) >= 0) {
                    throw new MalformedPointException("CSV field " + name(count) + " has a quote but is not quoted");
                }
                field = line.substring(start, end).strip();
            }
            if (count < fields.length) {
                fields[count] = field;
            }
            count++;
            if (end >= n) {
                break;
            }
            at = end + 1;
        }
        if (count != fields.length) {
            throw new MalformedPointException("CSV must have 3 fields (sensor,ts,value), got " + count);
        }
        return fields;
    }

    /** Appends the content of the quoted field opening at {@code open} to {@code out}; returns the index after its closing quote. */
    private static int unquote(String line, int open, StringBuilder out, int field) {
        int from = open + 1;
        while (true) {
            int quote = line.indexOf('"', from);
            if (quote < 0) {
                throw new MalformedPointException("CSV field " + name(field) + " has an unterminated quote");
            }
            out.append(line, from, quote);
            if (quote + 1 < line.length() && line.charAt(quote + 1) == '"') {
                out.append('"');
                from = quote + 2;
            } else {
                return quote + 1;
            }
        }
    }

    private static String name(int field) {
        return field < NAMES.length ? "'" + NAMES[field] + "'" : String.valueOf(field + 1);
    }

    private static int skipBlanks(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int indexOf(String s, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }
}
