package io.kpipe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AggregateTest {
    @Test
    void shouldComputeExactStatisticsRegardlessOfArrivalOrder() {
        Aggregate a = new Aggregate().add(30, 4.0).add(10, 2.0).add(20, 9.0).add(40, 5.0);

        assertThat(a.count()).isEqualTo(4);
        assertThat(a.sum()).isEqualTo(20.0);
        assertThat(a.min()).isEqualTo(2.0);
        assertThat(a.max()).isEqualTo(9.0);
        assertThat(a.mean()).isEqualTo(5.0);
        // population variance of 4,2,9,5 = (1+9+16+0)/4 = 6.5
        assertThat(a.stddev()).isCloseTo(Math.sqrt(6.5), within(1e-12));
        assertThat(a.firstTs()).isEqualTo(10);
        assertThat(a.lastTs()).isEqualTo(40);
    }

    @Test
    void shouldKeepVarianceAccurateForLargeOffsets() {
        Aggregate a = new Aggregate();
        for (int i = 0; i < 1000; i++) {
            a.add(i, 1e9 + (i % 2));
        }

        assertThat(a.stddev()).isCloseTo(0.5, within(1e-9));
    }

    @Test
    void shouldRoundTripThroughTheWindowStoresByteLayout() {
        Aggregate a = new Aggregate().add(5, -1.5).add(7, 3.25);
        ByteBuffer bytes = ByteBuffer.allocate(Aggregate.BYTES);

        a.writeTo(bytes);
        Aggregate b = Aggregate.readFrom(bytes.flip());

        assertThat(bytes.limit()).isEqualTo(Aggregate.BYTES);
        assertThat(b).usingRecursiveComparison().isEqualTo(a);
    }

    @Test
    void shouldWriteWindowResultAsJsonWithSnakeCaseFields() {
        Aggregate a = new Aggregate().add(1_000, 2.0).add(2_000, 4.0);
        WindowResult r = WindowResult.of("s-1", new Device("s-1", "plant-a", "temperature", "C", null, 50.0), 0, 60_000, a);
        WindowResultSerde serde = new WindowResultSerde();

        String json = new String(serde.serialize("t", r), java.nio.charset.StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"sensor\":\"s-1\",\"site\":\"plant-a\",\"unit\":\"C\",\"window_start\":0,\"window_end\":60000,\"count\":2,"
                + "\"sum\":6.0,\"min\":2.0,\"max\":4.0,\"mean\":3.0,\"stddev\":1.0,\"first_ts\":1000,\"last_ts\":2000}");
        assertThat(serde.deserialize("t", json.getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(r);
        assertThat(WindowResult.key("s-1", 1_764_000_060_000L)).isEqualTo("s-1@2025-11-24T16:01:00Z");
    }

    static Stream<Arguments> overflowingValues() {
        return Stream.of(
                Arguments.of("sum past the limit", new double[] {Double.MAX_VALUE}, Double.MAX_VALUE),
                Arguments.of("1e308 twice", new double[] {1e308}, 1e308),
                Arguments.of("negative sum past the limit", new double[] {-Double.MAX_VALUE}, -1e300),
                Arguments.of("delta past the limit: -MAX after MAX", new double[] {Double.MAX_VALUE}, -Double.MAX_VALUE),
                Arguments.of("squares past the limit in m2", new double[] {1e200}, -1e200),
                Arguments.of("squares just past the limit in m2", new double[] {1e154}, -1e154),
                Arguments.of("squares past the limit in m2 against 0", new double[] {1e200}, 0.0),
                Arguments.of("NaN", new double[] {}, Double.NaN),
                Arguments.of("infinity", new double[] {1.0}, Double.POSITIVE_INFINITY));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overflowingValues")
    void shouldRefuseAValueThatWouldMakeTheAggregateNonFinite(String name, double[] before, double value) {
        Aggregate a = new Aggregate();
        for (double v : before) {
            a.add(1, v);
        }

        assertThat(a.accepts(value)).isFalse();
        a.add(2, value);
        assertThat(finite(a)).isFalse();
    }

    static Stream<Arguments> finiteValues() {
        return Stream.of(
                Arguments.of("MAX alone", new double[] {}, Double.MAX_VALUE),
                Arguments.of("-MAX alone", new double[] {}, -Double.MAX_VALUE),
                Arguments.of("1e153 spread stays under the limit", new double[] {1e153}, -1e153),
                Arguments.of("smallest subnormal", new double[] {Double.MIN_VALUE}, -Double.MIN_VALUE),
                Arguments.of("1e307 ten times", new double[] {1e307, 1e307, 1e307, 1e307, 1e307, 1e307, 1e307, 1e307, 1e307}, 1e307));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("finiteValues")
    void shouldAcceptAValueThatKeepsTheAggregateFinite(String name, double[] before, double value) {
        Aggregate a = new Aggregate();
        for (double v : before) {
            a.add(1, v);
        }

        assertThat(a.accepts(value)).isTrue();
        a.add(2, value);
        assertThat(finite(a)).isTrue();
    }

    @Test
    void shouldRefuseAnyValueOnceTheCountIsAtItsLimit() {
        ByteBuffer state = ByteBuffer.allocate(Aggregate.BYTES);
        new Aggregate().add(1, 2.0).writeTo(state);
        state.putLong(0, Long.MAX_VALUE).flip();

        assertThat(Aggregate.readFrom(state).accepts(2.0)).isFalse();
    }

    private static boolean finite(Aggregate a) {
        return a.count() > 0 && Double.isFinite(a.sum()) && Double.isFinite(a.mean()) && Double.isFinite(a.stddev());
    }
}
