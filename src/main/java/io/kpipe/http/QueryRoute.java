package io.kpipe.http;

import io.kpipe.process.PointProcessor.Owner;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Where a query for one sensor is answered, decided from this instance's Kafka Streams state and
 * its metadata of who owns the sensor's partition:
 * <pre>
 * processor attached? ──no──► retry (starting)
 *   │ yes
 * state RUNNING? ──CREATED, REBALANCING──► retry (starting, rebalancing)   ──stopping, stopped──► retry (stopped)
 *   │ yes
 * owner in the metadata? ──no──► retry (metadata not rebuilt yet)
 *   │ yes
 * owner is this instance? ──yes──► holds the sensor's partition? ──yes──► here (404 only from here,
 *   │ no                                   │ no                                    and only if still so
 *   │                                      ▼                                     after the lookup)
 *   │                    retry (partition lost or revoked, or an address advertised twice)
 *   │ no
 * forwarded to us already? ──yes──► retry (ownership moving: the two instances disagree)
 *   │ no
 * forward to the owner
 * </pre>
 * "Retry" is a 503 with {@code Retry-After}: a rebalance is the one time an instance cannot know
 * the answer, and a 404 then would tell a client that a sensor with windows has none.
 */
record QueryRoute(Kind kind, String owner, String reason, int retryAfterSeconds) {
    enum Kind { HERE, FORWARD, RETRY }

    /** A rebalance takes seconds: ask again soon. */
    static final int REBALANCE_RETRY_AFTER_SECONDS = 1;
    /** An owner that does not answer and has died is noticed within the session timeout (10 s): half of it. */
    static final int UNREACHABLE_RETRY_AFTER_SECONDS = 5;
    /** A stopped instance does not come back by itself; its partitions move within the session timeout. */
    static final int STOPPED_RETRY_AFTER_SECONDS = 10;

    static final QueryRoute HERE = new QueryRoute(Kind.HERE, null, null, 0);

    /**
     * @param state        this instance's Kafka Streams state; null before the processor is attached
     * @param owner        the owner's {@code host:port} in the metadata, null where it is not known
     *                     (asked only in state RUNNING, where the metadata can be asked at all)
     * @param self         this instance's {@code application.server}
     * @param holds        whether this instance holds a partition of {@code points} (its task is open
     *                     here): the metadata can name this instance for one it does not hold, as
     *                     Kafka Streams stays RUNNING when a task is closed (partitions lost or
     *                     revoked), and two instances may advertise the same address
     * @param forwardedBy  the instance that forwarded this query here, or null
     */
    static QueryRoute decide(KafkaStreams.State state, Supplier<Owner> owner, String self, IntPredicate holds,
                             String sensor, String forwardedBy) {
        if (state == null) {
            return retry(REBALANCE_RETRY_AFTER_SECONDS, "the processor of this instance is starting; retry");
        }
        switch (state) {
            case RUNNING -> { }
            case CREATED -> {
                return retry(REBALANCE_RETRY_AFTER_SECONDS, "starting (Kafka Streams state CREATED): this instance "
                        + "has not joined its group yet; retry");
            }
            case REBALANCING -> {
                return retry(REBALANCE_RETRY_AFTER_SECONDS, "rebalancing (Kafka Streams state REBALANCING): partitions "
                        + "are being assigned to the instances or their state restored; retry");
            }
            default -> {
                return retry(STOPPED_RETRY_AFTER_SECONDS, "the processor of this instance has stopped (Kafka Streams state "
                        + state + "); another instance answers once the group has moved its partitions");
            }
        }
        Owner md = owner.get();
        if (md == null) {
            return retry(REBALANCE_RETRY_AFTER_SECONDS, "the owner of sensor '" + sensor + "' is not known yet "
                    + "(the metadata is rebuilt after a rebalance); retry");
        }
        String o = md.address();
        if (o.equals(self)) {
            if (holds.test(md.partition())) {
                return HERE;
            }
            return retry(REBALANCE_RETRY_AFTER_SECONDS, "the metadata names this instance (" + self + ") as the owner "
                    + "of sensor '" + sensor + "', but it does not hold the sensor's partition (points-"
                    + md.partition() + "): the partition was lost or revoked and is being reassigned, or another "
                    + "instance advertises the same address; retry");
        }
        if (forwardedBy != null) {
            return retry(REBALANCE_RETRY_AFTER_SECONDS, "the owner of sensor '" + sensor + "' is moving: " + forwardedBy
                    + " sent the query here, but this instance's metadata names " + o + "; retry");
        }
        return new QueryRoute(Kind.FORWARD, o, null, 0);
    }

    static QueryRoute retry(int seconds, String reason) {
        return new QueryRoute(Kind.RETRY, null, reason, seconds);
    }
}
