package io.kpipe.process;

import io.kpipe.model.MutablePoint;

/**
 * What the decode step hands on: a valid point, or the original bytes of a rejected record.
 * One instance per decode processor, reused for every record: downstream nodes run synchronously
 * within {@code forward()} and none keeps a reference.
 */
final class Decoded {
    final MutablePoint point = new MutablePoint();
    boolean valid;
    byte[] original;
}
