package io.kpipe.run;

import io.kpipe.process.PointProcessor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The parts of a run that can die on their own, asked by every wait of the run, so that no wait
 * outlasts a part it depends on: a dead processor would leave the drain waiting for a lag that
 * never falls. A part that is slow (a broker frozen, a database down and retried) is alive.
 */
final class Vitals {
    /** One part of the run. */
    @FunctionalInterface
    interface Part {
        /** Why this part is dead, in one line naming it; null while it lives. */
        String death();
    }

    /** An in-process processor: dead once Kafka Streams stopped (ERROR, NOT_RUNNING), with the root cause. */
    static Part of(PointProcessor processor) {
        return () -> processor.stopReason() == null ? null : "the processor stopped: " + processor.stopReason();
    }

    private final List<Part> parts = new CopyOnWriteArrayList<>();

    Vitals watch(Part part) {
        parts.add(part);
        return this;
    }

    /** @throws DeadPartException naming the first dead part, if any */
    void check() {
        for (Part p : parts) {
            String why = p.death();
            if (why != null) {
                throw new DeadPartException(why);
            }
        }
    }
}
