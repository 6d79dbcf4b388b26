package io.kpipe.model;

/**
 * The fast-path wire format of a point on {@code points}: fixed size, big-endian.
 *
 * <pre>
 *  offset  size  field
 *  0       1     magic 0x01 (no JSON or CSV text starts with it)
 *  1       8     event time, epoch milliseconds (int64)
 *  9       8     value (IEEE-754 double)
 *  17      1     optional quality flags (uint8); present when the value is 18 bytes long
 * </pre>
 */
public final class BinaryPoint {
    public static final byte MAGIC = 0x01;
    public static final int SIZE = 17;
    public static final int SIZE_WITH_FLAGS = 18;

    private BinaryPoint() {}

    /** Writes a point without flags into {@code dst[0..17)}; {@code dst} may be reused. */
    public static void encode(long timestamp, double value, byte[] dst) {
        if (dst.length < SIZE) {
            throw new IllegalArgumentException("binary point needs " + SIZE + " bytes, buffer has " + dst.length);
        }
        dst[0] = MAGIC;
        putLong(dst, 1, timestamp);
        putLong(dst, 9, Double.doubleToRawLongBits(value));
    }

    public static byte[] encode(long timestamp, double value) {
        byte[] dst = new byte[SIZE];
        encode(timestamp, value, dst);
        return dst;
    }

    public static byte[] encode(long timestamp, double value, int flags) {
        if (flags < 0 || flags > 0xFF) {
            throw new IllegalArgumentException("quality flags must be 0..255, got " + flags);
        }
        byte[] dst = new byte[SIZE_WITH_FLAGS];
        encode(timestamp, value, dst);
        dst[SIZE] = (byte) flags;
        return dst;
    }

    /** Decodes {@code src}, whose first byte is {@link #MAGIC}, into {@code out}. */
    static void decode(byte[] src, MutablePoint out) {
        if (src.length != SIZE && src.length != SIZE_WITH_FLAGS) {
            throw new MalformedPointException(
                    "binary point must be " + SIZE + " or " + SIZE_WITH_FLAGS + " bytes, got " + src.length);
        }
        int flags = src.length == SIZE_WITH_FLAGS ? src[SIZE] & 0xFF : 0;
        out.set(getLong(src, 1), Double.longBitsToDouble(getLong(src, 9)), flags);
    }

    private static void putLong(byte[] b, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            b[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    private static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xFFL);
        }
        return v;
    }
}
