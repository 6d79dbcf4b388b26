package io.kpipe.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.http.QueryRoute.Kind;
import io.kpipe.process.PointProcessor.Owner;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class QueryRouteTest {
    private static final String SELF = "127.0.0.2:8080";
    private static final String OTHER = "127.0.0.3:8080";

    /** The owner as the metadata names it, counting how often it is asked. */
    private final AtomicInteger asked = new AtomicInteger();

    /** The sensors of these tests are in partition 3 of points. */
    private static final int PARTITION = 3;
    /** This instance holds partition 3 (its task is open here). */
    private static final IntPredicate HOLDS = p -> p == PARTITION;

    private Supplier<Owner> owner(String o) {
        return () -> {
            asked.incrementAndGet();
            return o == null ? null : new Owner(o, PARTITION);
        };
    }

    @Test
    void shouldAnswerHereWhenRunningAndTheMetadataNamesThisInstance() {
        assertThat(QueryRoute.decide(State.RUNNING, owner(SELF), SELF, HOLDS, "s-1", null)).isEqualTo(QueryRoute.HERE);
        assertThat(QueryRoute.decide(State.RUNNING, owner(SELF), SELF, HOLDS, "s-1", OTHER)).isEqualTo(QueryRoute.HERE);
    }

    @Test
    void shouldAskToRetryWhenTheMetadataNamesThisInstanceForAPartitionItDoesNotHold() {
        // Kafka Streams stays RUNNING when it closes a task whose partitions were lost or revoked, and two
        // instances may advertise one address: a 404 from here would say a sensor with windows has none.
        QueryRoute r = QueryRoute.decide(State.RUNNING, owner(SELF), SELF, p -> false, "s-1", null);

        assertThat(r).isEqualTo(new QueryRoute(Kind.RETRY, null, "the metadata names this instance (127.0.0.2:8080) "
                + "as the owner of sensor 's-1', but it does not hold the sensor's partition (points-3): the partition "
                + "was lost or revoked and is being reassigned, or another instance advertises the same address; retry",
                1));
        assertThat(QueryRoute.decide(State.RUNNING, owner(SELF), SELF, p -> p == 4, "s-1", OTHER).kind())
                .as("holding another partition is not holding the sensor's").isEqualTo(Kind.RETRY);
    }

    @Test
    void shouldForwardToTheOwnerTheMetadataNames() {
        assertThat(QueryRoute.decide(State.RUNNING, owner(OTHER), SELF, HOLDS, "s-1", null))
                .isEqualTo(new QueryRoute(Kind.FORWARD, OTHER, null, 0));
    }

    @Test
    void shouldAskToRetryInASecondWhileRebalancingWithoutAskingTheMetadata() {
        QueryRoute r = QueryRoute.decide(State.REBALANCING, owner(SELF), SELF, HOLDS, "s-1", null);

        assertThat(r).isEqualTo(new QueryRoute(Kind.RETRY, null, "rebalancing (Kafka Streams state REBALANCING): "
                + "partitions are being assigned to the instances or their state restored; retry", 1));
        assertThat(asked).as("the metadata of an instance that is not running is stale or throws").hasValue(0);
    }

    @Test
    void shouldAskToRetryInASecondBeforeTheInstanceHasJoinedItsGroup() {
        QueryRoute r = QueryRoute.decide(State.CREATED, owner(SELF), SELF, HOLDS, "s-1", null);

        assertThat(r).isEqualTo(new QueryRoute(Kind.RETRY, null, "starting (Kafka Streams state CREATED): this instance "
                + "has not joined its group yet; retry", 1));
        assertThat(asked).hasValue(0);
    }

    @ParameterizedTest
    @EnumSource(value = State.class, names = {"PENDING_SHUTDOWN", "NOT_RUNNING", "PENDING_ERROR", "ERROR"})
    void shouldAskToRetryLaterWhenThisInstanceHasStopped(State state) {
        QueryRoute r = QueryRoute.decide(state, owner(SELF), SELF, HOLDS, "s-1", null);

        assertThat(r).isEqualTo(new QueryRoute(Kind.RETRY, null, "the processor of this instance has stopped "
                + "(Kafka Streams state " + state + "); another instance answers once the group has moved its partitions", 10));
        assertThat(asked).hasValue(0);
    }

    @Test
    void shouldAskToRetryWhileTheProcessorIsNotAttached() {
        assertThat(QueryRoute.decide(null, owner(SELF), null, HOLDS, "s-1", null)).isEqualTo(
                new QueryRoute(Kind.RETRY, null, "the processor of this instance is starting; retry", 1));
    }

    @Test
    void shouldAskToRetryWhileTheMetadataDoesNotNameAnOwner() {
        assertThat(QueryRoute.decide(State.RUNNING, owner(null), SELF, HOLDS, "s-1", null)).isEqualTo(new QueryRoute(
                Kind.RETRY, null, "the owner of sensor 's-1' is not known yet (the metadata is rebuilt after a rebalance); retry", 1));
    }

    @Test
    void shouldNeverForwardTwiceWhenTwoInstancesDisagreeOnTheOwner() {
        assertThat(QueryRoute.decide(State.RUNNING, owner("127.0.0.4:8080"), SELF, HOLDS, "s-1", OTHER)).isEqualTo(
                new QueryRoute(Kind.RETRY, null, "the owner of sensor 's-1' is moving: 127.0.0.3:8080 sent the query "
                        + "here, but this instance's metadata names 127.0.0.4:8080; retry", 1));
    }
}
