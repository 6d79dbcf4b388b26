package io.kpipe.process;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How often the device registry changed, per stripe of sensor ids: lets a stream thread keep a
 * sensor's registry entry across its windows and look it up again only when the registry may have
 * changed for it, instead of once per window (a sorted-map lookup and a JSON decode in the global
 * store; with a million sensors nearly every point opens a window).
 *
 * <p>The global thread calls {@link #changed} after it writes a sensor's entry to the store; a
 * stream thread reads {@link #version} before it looks a sensor up, and keeps both. If the version
 * is the same later, no write for any sensor of that stripe finished in between, so a lookup now
 * would return what it got then: reusing it gives the same result as looking up again, and a
 * device change still applies from the next window opened after it, as before. 65,536 stripes:
 * after the registry is loaded at start, a change to one device makes about one in 65,536 sensors
 * look up again.
 */
final class RegistryVersions {
    private static final int STRIPES = 1 << 16;

    private final AtomicLongArray changes = new AtomicLongArray(STRIPES);
    /** Changes to the whole registry (the loader started again). One writer, the global thread. */
    private volatile long resets;

    /**
     * The version of the stripe of the sensor whose UTF-8 id hashes to {@code sensorHash}
     * ({@code Arrays.hashCode} of the bytes, as {@code Bytes.hashCode}). Only grows; never
     * {@link Long#MIN_VALUE}, so that value can mean "never looked up".
     */
    long version(int sensorHash) {
        // Both parts only grow, and resets is read first: equal sums mean neither moved.
        long r = resets;
        return r + changes.get(stripe(sensorHash));
    }

    /** The entry of the sensor whose id hashes to {@code sensorHash} was written or deleted. */
    void changed(int sensorHash) {
        changes.incrementAndGet(stripe(sensorHash));
    }

    /** Any entry may have changed. */
    void changedAll() {
        resets = resets + 1;
    }

    private static int stripe(int h) {
        return (h ^ (h >>> 16)) & (STRIPES - 1);
    }
}
