package io.kpipe.generate;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.producer.Callback;
import org.junit.jupiter.api.Test;

/**
 * The generator's books keep one count per sensor and window for the whole run, but the callbacks
 * of a window only while points can still be sent for it on time: an hour's soak measures the live
 * heap of the JVM the generator runs in.
 */
class KeyTallyTest {
    private static final long T0 = 1_764_000_000_000L;
    private static final long MINUTE = 60_000;

    @Test
    void shouldLetTheCallbacksOfAWindowGoOnceTwoNewerOnesOpenedAndMakeThemAgainForALatePoint() {
        KeyTally tally = new KeyTally(3, MINUTE);
        KeyTally.Window first = tally.window(T0 + 1_000);
        Callback a = first.callback(2, null, false);
        assertThat(first.callback(2, null, false)).as("reused, no allocation per point").isSameAs(a);

        KeyTally.Window second = tally.window(T0 + MINUTE);
        assertThat(first.holdsCallbacks()).as("the previous window keeps them").isTrue();
        KeyTally.Window third = tally.window(T0 + 2 * MINUTE + 5);

        assertThat(first.holdsCallbacks()).isFalse();
        assertThat(second.holdsCallbacks()).isFalse();   // never made any
        second.callback(0, null, false);
        assertThat(tally.window(T0 + 2 * MINUTE + 9)).isSameAs(third);
        assertThat(second.holdsCallbacks()).as("the same newest window: nothing let go").isTrue();

        // A late point for the first window: its callbacks are made again, and the counts are its own.
        assertThat(tally.window(T0 + 30_000)).isSameAs(first);
        Callback again = first.callback(2, null, true);
        assertThat(again).isNotNull().isNotSameAs(a);
        assertThat(first.holdsCallbacks()).isTrue();
        first.acked[2] = 7;
        assertThat(tally.counts().get(T0)).containsExactly(0, 0, 7);
        assertThat(tally.counts()).containsOnlyKeys(T0, T0 + MINUTE, T0 + 2 * MINUTE);
    }
}
