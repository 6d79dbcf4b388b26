package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.sink.PostgresSink;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SinkBooksTest {

    /** Three windows on the topic (counts 5, 7 and 0: the last one not JSON), two alerts. */
    private static final Reconciler.Output OUT = new Reconciler.Output(3, 12, 0, 0, 0, 0, 0,
            Map.of("s-1@t", 5L, "s\0@t", 7L, "junk", 0L), Map.of(), 0, 2, 12);

    private static byte[] key(String k) {
        return k.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldAccountForEveryWindowWithRowsAndRejects() {
        // s\0@t was rejected twice (two updates), junk once, one alert once.
        PostgresSink.RejectTotals rejects = new PostgresSink.RejectTotals(4, List.of(key("s\0@t"), key("s\0@t"),
                key("junk")), 1);

        RunSummary.Sink sink = SinkBooks.of(new PostgresSink.TableTotals(1, 5, 1), rejects, 9, OUT);

        assertThat(sink).isEqualTo(new RunSummary.Sink(1, 5, 1, 9, 4, 2, 7, 1));
        assertThat(sink.rows() + sink.rejectedWindows()).isEqualTo(OUT.windows());
        assertThat(sink.countSum() + sink.rejectedCountSum()).isEqualTo(OUT.aggregatedCount());
        assertThat(sink.accountsFor(OUT.windows(), OUT.aggregatedCount(), OUT.alerts())).isTrue();
    }

    @Test
    void shouldNotBalanceWhenAWindowIsNeitherInTheTableNorRejected() {
        PostgresSink.RejectTotals rejects = new PostgresSink.RejectTotals(1, List.of(key("junk")), 0);

        RunSummary.Sink sink = SinkBooks.of(new PostgresSink.TableTotals(1, 5, 2), rejects, 9, OUT);

        assertThat(sink.rows() + sink.rejectedWindows()).isEqualTo(2).isLessThan(OUT.windows());
        assertThat(sink.countSum() + sink.rejectedCountSum()).isEqualTo(5);
        assertThat(sink.accountsFor(OUT.windows(), OUT.aggregatedCount(), OUT.alerts())).isFalse();
    }
}
