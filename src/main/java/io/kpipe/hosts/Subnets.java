package io.kpipe.hosts;

/** IPv4 networks as {@code [first address, last address]}, for the overlap check of {@link VirtualHosts}. */
final class Subnets {
    private Subnets() {}

    /**
     * {@code a.b.c.d/len} or {@code a.b.c.d} (a /32) as {@code [first, last]}; null for any other
     * word, so the words of {@code ip route} output can be fed in as they come.
     */
    static long[] parse(String word) {
        String[] parts = word.split("/", -1);
        if (parts.length > 2) {
            return null;
        }
        String[] octets = parts[0].split("\\.", -1);
        if (octets.length != 4) {
            return null;
        }
        long addr = 0;
        for (String o : octets) {
            if (!o.matches("\\d{1,3}") || Integer.parseInt(o) > 255) {
                return null;
            }
            addr = addr << 8 | Integer.parseInt(o);
        }
        int len = 32;
        if (parts.length == 2) {
            if (!parts[1].matches("\\d{1,2}") || Integer.parseInt(parts[1]) > 32) {
                return null;
            }
            len = Integer.parseInt(parts[1]);
        }
        long size = 1L << (32 - len);
        long first = addr & ~(size - 1) & 0xFFFFFFFFL;
        return new long[] {first, first + size - 1};
    }

    static boolean overlap(long[] a, long[] b) {
        return a[0] <= b[1] && b[0] <= a[1];
    }
}
