package io.kpipe.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.http.QueryRoute.Kind;
import java.util.concurrent.atomic.AtomicInteger;
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

    private Supplier<String> owner(String o) {
        return () -> {
            asked.incrementAndGet();
            return o;
        };
    }

    @Test
    void shouldAnswerHereWhenRunningAndTheMetadataNamesThisInstance() {
        assertThat(QueryRoute.decide(State.RUNNING, owner(SELF), SELF, "s-1", null)).isEqualTo(QueryRoute.HERE);
        assertThat(QueryRoute.decide(State.RUNNING, owner(SELF), SELF, "s-1", OTHER)).isEqualTo(QueryRoute.HERE);
    }

    @Test
    void shouldForwardToTheOwnerTheMetadataNames() {
        assertThat(QueryRoute.decide(State.RUNNING, owner(OTHER), SELF, "s-1", null))
                .isEqualTo(new QueryRoute(Kind.FORWARD, OTHER, null, 0));
    }

    @Test
    void shouldAskToRetryInASecondWhileRebalancingWithoutAskingTheMetadata() {
        QueryRoute r = QueryRoute.decide(State.REBALANCING, owner(SELF), SELF, "s-1", null);

        assertThat(r).isEqualTo(new QueryRoute(Kind.RETRY, null, "rebalancing (Kafka Streams state REBALANCING): "
                + "partitions are being assigned to the instances or their state restored; retry", 1));
        assertThat(asked).as("the metadata of an instance that is not running is stale or throws").hasValue(0);
    }

    @Test
    void shouldAskToRetryInASecondBeforeTheInstanceHasJoinedItsGroup() {
        QueryRoute r = QueryRoute.decide(State.CREATED, owner(SELF), SELF, "s-1", null);

        assertThat(r).isEqualTo(new QueryRoute(Kind.RETRY, null, "starting (Kafka Streams state CREATED): this instance "
                + "has not joined its group yet; retry", 1));
        assertThat(asked).hasValue(0);
    }

    @ParameterizedTest
    @EnumSource(value = State.class, names = {"PENDING_SHUTDOWN", "NOT_RUNNING", "PENDING_ERROR", "ERROR"})
    void shouldAskToRetryLaterWhenThisInstanceHasStopped(State state) {
        QueryRoute r = QueryRoute.decide(state, owner(SELF), SELF, "s-1", null);

        assertThat(r).isEqualTo(new QueryRoute(Kind.RETRY, null, "the processor of this instance has stopped "
                + "(Kafka Streams state " + state + "); another instance answers once the group has moved its partitions", 10));
        assertThat(asked).hasValue(0);
    }

    @Test
    void shouldAskToRetryWhileTheProcessorIsNotAttached() {
        assertThat(QueryRoute.decide(null, owner(SELF), null, "s-1", null)).isEqualTo(
                new QueryRoute(Kind.RETRY, null, "the processor of this instance is starting; retry", 1));
    }

    @Test
    void shouldAskToRetryWhileTheMetadataDoesNotNameAnOwner() {
        assertThat(QueryRoute.decide(State.RUNNING, owner(null), SELF, "s-1", null)).isEqualTo(new QueryRoute(
                Kind.RETRY, null, "the owner of sensor 's-1' is not known yet (the metadata is rebuilt after a rebalance); retry", 1));
    }

    @Test
    void shouldNeverForwardTwiceWhenTwoInstancesDisagreeOnTheOwner() {
        assertThat(QueryRoute.decide(State.RUNNING, owner("127.0.0.4:8080"), SELF, "s-1", OTHER)).isEqualTo(
                new QueryRoute(Kind.RETRY, null, "the owner of sensor 's-1' is moving: 127.0.0.3:8080 sent the query "
                        + "here, but this instance's metadata names 127.0.0.4:8080; retry", 1));
    }
}
