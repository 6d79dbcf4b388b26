package io.kpipe.spark;

import io.kpipe.model.Aggregate;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state Spark keeps per sensor: its open windows, packed as {@code start (int64) | aggregate
 * (Aggregate.BYTES)} per window, one binary column (no per-window rows, no schema evolution).
 */
public final class SensorWindows implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int ENTRY = Long.BYTES + Aggregate.BYTES;
    private byte[] packed;

    public SensorWindows() {}

    public byte[] getPacked() {
        return packed;
    }

    public void setPacked(byte[] packed) {
        this.packed = packed;
    }

    /** The windows by start. */
    TreeMap<Long, Aggregate> unpack() {
        TreeMap<Long, Aggregate> out = new TreeMap<>();
        if (packed != null) {
            ByteBuffer in = ByteBuffer.wrap(packed);
            while (in.remaining() >= ENTRY) {
                long start = in.getLong();
                out.put(start, Aggregate.readFrom(in));
            }
        }
        return out;
    }

    static SensorWindows pack(Map<Long, Aggregate> windows) {
        ByteBuffer out = ByteBuffer.allocate(windows.size() * ENTRY);
        windows.forEach((start, a) -> {
            out.putLong(start);
            a.writeTo(out);
        });
        SensorWindows s = new SensorWindows();
        s.packed = out.array();
        return s;
    }
}
