package io.kpipe.hosts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SubnetsTest {
    @Test
    void shouldParseNetworksAndAddressesAndNothingElse() {
        assertThat(Subnets.parse("10.1.2.0/24")).containsExactly(0x0A010200L, 0x0A0102FFL);
        assertThat(Subnets.parse("10.1.2.77/24")).containsExactly(0x0A010200L, 0x0A0102FFL);
        assertThat(Subnets.parse("192.0.2.1")).containsExactly(0xC0000201L, 0xC0000201L);
        assertThat(Subnets.parse("0.0.0.0/0")).containsExactly(0L, 0xFFFFFFFFL);
        assertThat(Subnets.parse("255.255.255.255/32")).containsExactly(0xFFFFFFFFL, 0xFFFFFFFFL);
        assertThat(Subnets.parse("default")).isNull();
        assertThat(Subnets.parse("eth0")).isNull();
        assertThat(Subnets.parse("10.1.2")).isNull();
        assertThat(Subnets.parse("10.1.2.256")).isNull();
        assertThat(Subnets.parse("10.1.2.0/33")).isNull();
        assertThat(Subnets.parse("fe80::1/64")).isNull();
    }

    @Test
    void shouldSeeOverlapOnlyWhereAddressesAreShared() {
        long[] net = Subnets.parse("10.200.7.0/24");
        assertThat(Subnets.overlap(net, Subnets.parse("10.0.0.0/8"))).isTrue();
        assertThat(Subnets.overlap(net, Subnets.parse("10.200.7.255"))).isTrue();
        assertThat(Subnets.overlap(net, Subnets.parse("10.200.8.0"))).isFalse();
        assertThat(Subnets.overlap(net, Subnets.parse("10.200.6.255/32"))).isFalse();
        assertThat(Subnets.overlap(net, Subnets.parse("192.0.2.0/24"))).isFalse();
    }
}
