package io.kpipe.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Aggregate#accepts} says exactly whether {@link Aggregate#add} keeps the aggregate finite. */
class AggregatePropertyTest {
    @Test
    void shouldAcceptExactlyTheValuesThatKeepTheAggregateFinite() {
        Gen.forAll(1000, AggregatePropertyTest::series, values -> {
            Aggregate a = new Aggregate();
            for (double v : values) {
                boolean accepted = a.accepts(v);
                Aggregate trial = copy(a).add(1, v);

                assertThat(accepted).as("accepts(%s) after %s points", v, a.count()).isEqualTo(isFinite(trial));
                if (accepted) {
                    a.add(1, v);
                }
            }
            assertThat(a.count() == 0 || isFinite(a)).isTrue();
        });
    }

    /** Up to 30 values that mix ordinary readings with magnitudes near the double limit, where overflow starts. */
    static List<Double> series(Gen g) {
        return g.listOf(0, 30, () -> g.frequencyOf(
                Gen.weight(3, () -> g.doubles(-1e3, 1e3)),
                Gen.weight(3, () -> Double.longBitsToDouble(g.longs())),
                Gen.weight(2, () -> {
                    double m = Math.pow(10, g.ints(150, 308));
                    return g.oneOf(m, -m, m * 1.7, -m * 1.7);
                }),
                Gen.weight(1, () -> g.oneOf(Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, 0.0, -0.0,
                        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY))));
    }

    private static Aggregate copy(Aggregate a) {
        ByteBuffer b = ByteBuffer.allocate(Aggregate.BYTES);
        a.writeTo(b);
        return Aggregate.readFrom(b.flip());
    }

    private static boolean isFinite(Aggregate a) {
        return Double.isFinite(a.sum()) && Double.isFinite(a.mean()) && Double.isFinite(a.stddev())
                && Double.isFinite(a.min()) && Double.isFinite(a.max());
    }
}
