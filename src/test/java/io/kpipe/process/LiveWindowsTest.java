package io.kpipe.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.model.WindowResult;
import org.junit.jupiter.api.Test;

class LiveWindowsTest {
    private static final long T0 = 1_764_000_000_000L;

    private static WindowResult result(String sensor, int minute, long count) {
        return new WindowResult(sensor, "unknown", null, T0 + minute * 60_000L, T0 + (minute + 1) * 60_000L, count,
                count, 1, 1, 1, 0, T0, T0);
    }

    @Test
    void shouldKeepEachSensorsWindowsInOrderWithTheLatestResultOfEach() {
        LiveWindows live = new LiveWindows();
        live.publish(0, result("s-1", 2, 1));
        live.publish(0, result("s-1", 0, 1));
        live.publish(0, result("s-1", 3, 1));
        live.publish(0, result("s-1", 2, 5));
        live.publish(0, result("s-1", 1, 1));

        assertThat(live.windows("s-1", Long.MIN_VALUE, Long.MAX_VALUE))
                .extracting(WindowResult::windowStart, WindowResult::count)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(T0, 1L),
                        org.assertj.core.groups.Tuple.tuple(T0 + 60_000, 1L),
                        org.assertj.core.groups.Tuple.tuple(T0 + 120_000, 5L),
                        org.assertj.core.groups.Tuple.tuple(T0 + 180_000, 1L));
        assertThat(live.windows("s-1", T0 + 60_000, T0 + 180_000)).extracting(WindowResult::count)
                .containsExactly(1L, 5L);

        live.evictBefore(0, T0 + 120_000);
        assertThat(live.windows("s-1", Long.MIN_VALUE, Long.MAX_VALUE)).extracting(WindowResult::windowStart)
                .containsExactly(T0 + 120_000, T0 + 180_000);
        live.evictBefore(0, T0 + 240_000);
        assertThat(live.windows("s-1", Long.MIN_VALUE, Long.MAX_VALUE)).isNull();
        assertThat(live.sensors()).isZero();
    }

    @Test
    void shouldKeepFewerWindowLengthsWithManySensorsButAtLeastOne() {
        LiveWindows live = new LiveWindows();
        assertThat(live.kept()).isEqualTo(LiveWindows.KEPT);
        for (int i = 0; i < 100_000; i++) {
            live.publish(i % 12, result("s-" + i, 0, 1));
        }
        assertThat(live.kept()).as("100,000 sensors: 10 window lengths").isEqualTo(10);
        for (int i = 100_000; i < 250_000; i++) {
            live.publish(i % 12, result("s-" + i, 0, 1));
        }
        assertThat(live.kept()).as("250,000 sensors").isEqualTo(4);
        for (int i = 250_000; i < 1_500_000; i++) {
            live.publish(i % 12, result("s-" + i, 0, 1));
        }
        assertThat(live.kept()).as("1,500,000 sensors").isEqualTo(1);
        assertThat(live.sensors()).isEqualTo(1_500_000);
        assertThat(live.windows()).isEqualTo(1_500_000);
    }

    /**
     * A stream thread fenced after a stall closes its old task only when it next polls, after another
     * thread of this instance opened the partition's new task: the old close leaves the new task alone.
     */
    @Test
    void shouldKeepANewTasksHoldAndWindowsWhenTheOldTaskOfThePartitionClosesAfterIt() {
        LiveWindows live = new LiveWindows();
        Object lost = live.hold(3);
        live.publish(3, result("s-1", 0, 1));
        live.publish(3, result("s-2", 0, 1));
        live.ready(lost);
        Object taken = live.hold(3);
        assertThat(live.holds(3)).as("not until the new task has published what it restored").isFalse();
        assertThat(live.windows("s-2", Long.MIN_VALUE, Long.MAX_VALUE)).as("the old task's windows are gone").isNull();
        live.publish(3, result("s-1", 0, 2));
        live.drop(3, lost);   // the old task closes before the new one is ready: what it published stays
        assertThat(live.windows("s-1", Long.MIN_VALUE, Long.MAX_VALUE)).extracting(WindowResult::count)
                .containsExactly(2L);
        live.ready(taken);

        assertThat(live.holds(3)).isTrue();
        assertThat(live.windows("s-1", Long.MIN_VALUE, Long.MAX_VALUE)).extracting(WindowResult::count)
                .containsExactly(2L);

        live.drop(3, taken);

        assertThat(live.holds(3)).isFalse();
        assertThat(live.windows("s-1", Long.MIN_VALUE, Long.MAX_VALUE)).isNull();
        live.drop(4, null);   // a task closed before its init held anything
        assertThat(live.holds(4)).isFalse();
    }
}
