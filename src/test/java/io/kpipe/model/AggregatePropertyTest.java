package io.kpipe.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** {@link Aggregate#accepts} says exactly whether {@link Aggregate#add} keeps the aggregate finite. */
class AggregatePropertyTest {
    @Property(tries = 1000)
    void acceptsExactlyTheValuesThatKeepTheAggregateFinite(@ForAll("series") List<Double> values) {
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
    }

    /** Series that mix ordinary readings with magnitudes near the double limit, where overflow starts. */
    @Provide
    Arbitrary<List<Double>> series() {
        Arbitrary<Double> values = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.doubles().between(-1e3, 1e3)),
                Tuple.of(3, Arbitraries.longs().map(Double::longBitsToDouble)),
                Tuple.of(2, Arbitraries.integers().between(150, 308).map(e -> Math.pow(10, e))
                        .flatMap(m -> Arbitraries.of(m, -m, m * 1.7, -m * 1.7))),
                Tuple.of(1, Arbitraries.of(Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, 0.0, -0.0,
                        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)));
        return values.list().ofMaxSize(30);
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
