package io.kpipe.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

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
    void shouldRoundTripThroughItsSerde() {
        Aggregate a = new Aggregate().add(5, -1.5).add(7, 3.25);
        AggregateSerde serde = new AggregateSerde();

        byte[] bytes = serde.serialize("t", a);
        Aggregate b = serde.deserialize("t", bytes);

        assertThat(bytes).hasSize(Aggregate.BYTES);
        assertThat(b).usingRecursiveComparison().isEqualTo(a);
    }

    @Test
    void shouldRejectAggregateOfWrongSize() {
        assertThatThrownBy(() -> new AggregateSerde().deserialize("t", new byte[63]))
                .isInstanceOf(SerializationException.class)
                .hasMessage("aggregate must be 64 bytes, got 63");
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
}
