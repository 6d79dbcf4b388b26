package io.kpipe.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kpipe.config.HttpEndpoint;
import io.kpipe.config.UsageException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdvertisedHostTest {
    @TempDir
    Path dir;

    private static HttpEndpoint loopback(String bind) {
        return new HttpEndpoint(bind, null, null);
    }

    /** Beyond loopback a server needs TLS: a keystore file (not opened here) and its password. */
    private HttpEndpoint beyondLoopback(String bind) throws Exception {
        return new HttpEndpoint(bind, Files.writeString(dir.resolve("http.p12"), "x"), "pw");
    }

    @ParameterizedTest
    @CsvSource({"127.0.0.1, 127.0.0.1", "127.0.0.3, 127.0.0.3", "localhost, localhost", "::1, ::1", "[::1], ::1"})
    void shouldAdvertiseASpecificBindAddressAsItIs(String bind, String advertised) {
        assertThat(AdvertisedHost.of(null, loopback(bind))).isEqualTo(advertised);
    }

    @Test
    void shouldAdvertiseASpecificAddressBeyondLoopbackAsItIs() throws Exception {
        String own = AdvertisedHost.machineAddress().orElse(null);
        assumeTrue(own != null, "this machine has no interface up beyond loopback");

        assertThat(AdvertisedHost.of(null, beyondLoopback(own))).isEqualTo(own);
    }

    @Test
    void shouldAdvertiseTheAddressOfAnInterfaceThatIsUpForTheWildcard() throws Exception {
        boolean anyV4 = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(n -> up(n) && !loopback(n))
                .anyMatch(n -> n.inetAddresses().anyMatch(a -> a instanceof Inet4Address));
        assumeTrue(anyV4, "this machine has no IPv4 interface up beyond loopback");

        for (String wildcard : new String[] {"0.0.0.0", "::"}) {
            String host = AdvertisedHost.of(null, beyondLoopback(wildcard));

            InetAddress address = InetAddress.getByName(host);
            NetworkInterface n = NetworkInterface.getByInetAddress(address);
            assertThat(address).isInstanceOf(Inet4Address.class);
            assertThat(address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()).isFalse();
            assertThat(n).as("an interface of this machine holds " + host).isNotNull();
            assertThat(up(n) && !loopback(n)).isTrue();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "kpipe-2.example.com | kpipe-2.example.com",
            "node7 | node7",
            "127.0.0.2 | 127.0.0.2",
            "10.0.0.2 | 10.0.0.2",
            "[::1] | ::1"})
    void shouldTakeAnyHostNameOrAddressWhenTheServerListensOnEveryInterface(String given, String advertised)
            throws Exception {
        assertThat(AdvertisedHost.of(given, beyondLoopback("0.0.0.0"))).isEqualTo(advertised);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "127.0.0.1 | 127.0.0.1 | 127.0.0.1",
            "127.0.0.3 | 127.0.0.3 | 127.0.0.3",
            "127.0.0.1 | localhost | localhost",
            "::1 | [::1] | ::1",
            "[::1] | 0:0:0:0:0:0:0:1 | 0:0:0:0:0:0:0:1"})
    void shouldTakeTheBindAddressOrANameResolvingToItWhenTheServerListensOnOneAddress(String bind, String given,
                                                                                     String advertised) {
        assertThat(AdvertisedHost.of(given, loopback(bind))).isEqualTo(advertised);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "127.0.0.1 | 127.0.0.2 | 127.0.0.2 is not reachable: the HTTP server listens on 127.0.0.1 only; leave "
                    + "--advertised-host out, or add --http-bind 127.0.0.2 or a wildcard (0.0.0.0, ::)",
            "127.0.0.2 | localhost | localhost is not reachable: it resolves to ADDRESSES, but the HTTP server listens "
                    + "on 127.0.0.2 only; give a name that resolves to 127.0.0.2, or add --http-bind with its address "
                    + "or a wildcard (0.0.0.0, ::)",
            "127.0.0.1 | no-such-host.invalid | 'no-such-host.invalid' does not resolve on this machine, so other "
                    + "instances cannot be sure to reach it; give a name that resolves to 127.0.0.1, or 127.0.0.1 itself"})
    void shouldRefuseAHostThatDoesNotLeadToTheOneAddressTheServerListensOn(String bind, String given, String message)
            throws Exception {
        String addresses = Arrays.stream(InetAddress.getAllByName("localhost")).map(AdvertisedHost::literal)
                .collect(Collectors.joining(", "));

        assertThatThrownBy(() -> AdvertisedHost.of(given, loopback(bind)))
                .isInstanceOf(UsageException.class)
                .hasMessage("--advertised-host: " + message.replace("ADDRESSES", addresses));
    }

    @Test
    void shouldRefuseAnotherAddressOfThisMachineWhenTheServerListensOnOneBeyondLoopback() throws Exception {
        // The review's case, --http-bind 10.0.0.1 --advertised-host 10.0.0.2, without needing 10.0.0.1 here:
        // the check compares addresses and does not open a socket.
        assertThatThrownBy(() -> AdvertisedHost.of("10.0.0.2", beyondLoopback("10.0.0.1")))
                .isInstanceOf(UsageException.class)
                .hasMessage("--advertised-host: 10.0.0.2 is not reachable: the HTTP server listens on 10.0.0.1 only; "
                        + "leave --advertised-host out, or add --http-bind 10.0.0.2 or a wildcard (0.0.0.0, ::)");
        assertThat(AdvertisedHost.of("10.0.0.1", beyondLoopback("10.0.0.1"))).isEqualTo("10.0.0.1");
    }

    @Test
    void shouldWriteAnInterfaceAddressWithoutItsIpv6Scope() throws Exception {
        byte[] bytes = InetAddress.getByName("2001:db8::7").getAddress();
        InetAddress scoped = Inet6Address.getByAddress(null, bytes, 2);
        assertThat(scoped.getHostAddress()).as("what an interface's address gives").isEqualTo("2001:db8:0:0:0:0:0:7%2");

        String host = AdvertisedHost.literal(scoped);

        assertThat(host).isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(AdvertisedHost.address(host, 8443)).isEqualTo("[2001:db8:0:0:0:0:0:7]:8443");
        assertThat(AdvertisedHost.literal(InetAddress.getByName("10.0.0.5"))).isEqualTo("10.0.0.5");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "'' | must be the host name or IP address other instances reach this one at, got ''",
            "node7:8080 | 'node7:8080' has a port; give the host alone (the port is --http-port's)",
            "0.0.0.0 | 0.0.0.0 is the wildcard address, which no other instance can connect to; give this machine's "
                    + "address or name (or leave it out: the default is the address of its interface that is up)",
            ":: | :: is the wildcard address, which no other instance can connect to; give this machine's "
                    + "address or name (or leave it out: the default is the address of its interface that is up)",
            "kpipe_2 | 'kpipe_2' is not a host name or IP address",
            "10.0.1 | '10.0.1' is not a host name or IP address",
            "10.0.0.300 | '10.0.0.300' is not a host name or IP address",
            "http://node7 | 'http://node7' is not a host name or IP address",
            "[fe80::1%2] | '[fe80::1%2]' has a scope (%2), which means something on this machine only; give an "
                    + "address or name the other instances reach this one at",
            "010.0.0.1 | '010.0.0.1' has a leading zero, which some resolvers read as octal; write the address "
                    + "without, e.g. 10.0.0.1",
            "127.000.0.1 | '127.000.0.1' has a leading zero, which some resolvers read as octal; write the address "
                    + "without, e.g. 127.0.0.1",
            "10.0.0.5 | 10.0.0.5 is not reachable: the HTTP server listens on 127.0.0.1 (loopback) only; "
                    + "add --http-bind 10.0.0.5 or 0.0.0.0 (with --http-tls)"})
    void shouldRefuseWhatNoOtherInstanceCouldReachWithOneLine(String given, String message) {
        assertThatThrownBy(() -> AdvertisedHost.of(given, loopback("127.0.0.1")))
                .isInstanceOf(UsageException.class)
                .hasMessage("--advertised-host: " + message);
    }

    @Test
    void shouldTakeAnAddressBeyondLoopbackWhenTheServerListensBeyondIt() throws Exception {
        assertThat(AdvertisedHost.of("10.0.0.5", beyondLoopback("0.0.0.0"))).isEqualTo("10.0.0.5");
    }

    @Test
    void shouldWriteHostAndPortAsApplicationServerTakesThem() {
        assertThat(AdvertisedHost.address("10.0.0.5", 8080)).isEqualTo("10.0.0.5:8080");
        assertThat(AdvertisedHost.address("::1", 8080)).isEqualTo("[::1]:8080");
    }

    private static boolean up(NetworkInterface n) {
        try {
            return n.isUp();
        } catch (java.net.SocketException e) {
            return false;
        }
    }

    private static boolean loopback(NetworkInterface n) {
        try {
            return n.isLoopback();
        } catch (java.net.SocketException e) {
            return true;
        }
    }
}
