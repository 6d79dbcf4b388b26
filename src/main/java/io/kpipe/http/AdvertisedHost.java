package io.kpipe.http;

import io.kpipe.config.HttpEndpoint;
import io.kpipe.config.UsageException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The host other instances of a processor reach its HTTP server at ({@code --advertised-host}):
 * what it puts in Kafka Streams' {@code application.server}, so that an instance that gets a query
 * for a sensor it does not own forwards it there.
 *
 * <p>Default, from {@code --http-bind}: a specific address is advertised as it is (127.0.0.1 by
 * default, so one machine works as before; 127.0.0.2, or 10.0.0.5, are themselves); a wildcard
 * (0.0.0.0, ::), which nobody can connect to, is replaced by this machine's own address: the first
 * IPv4 address (else global IPv6 address) of the first interface, in the kernel's order, that is up
 * and not loopback. A machine with several such interfaces should say which with the flag; the
 * startup line shows what is advertised.
 *
 * <p>A given value must be a host name or an IP address, without a port (the port is the
 * server's), not a wildcard; an IP address beyond loopback is refused while the server listens on
 * loopback only, since no other machine could reach it there.
 */
public final class AdvertisedHost {
    static final String FLAG = "--advertised-host";

    /** RFC 1123 host names: labels of letters, digits and inner hyphens, dot-separated. */
    private static final Pattern HOST_NAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");
    private static final Pattern NUMERIC = Pattern.compile("[0-9.]+");

    private AdvertisedHost() {}

    /**
     * The host to advertise: {@code given} (checked; null for the default) for a server listening
     * as {@code endpoint} says.
     */
    public static String of(String given, HttpEndpoint endpoint) {
        return given != null ? checked(given, endpoint) : defaultFor(endpoint.bind());
    }

    /** {@code host:port} as Kafka Streams' {@code application.server} and a URL take it (IPv6 in brackets). */
    public static String address(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static String checked(String given, HttpEndpoint endpoint) {
        String host = given.startsWith("[") && given.endsWith("]") ? given.substring(1, given.length() - 1) : given;
        UsageException.require(!host.isBlank(), FLAG, "must be the host name or IP address other instances "
                + "reach this one at, got '" + given + "'");
        UsageException.require(host.indexOf('/') < 0 && host.indexOf('@') < 0, FLAG,
                "'" + given + "' is not a host name or IP address");
        UsageException.require(!(host.indexOf(':') > 0 && host.indexOf(':') == host.lastIndexOf(':')), FLAG,
                "'" + given + "' has a port; give the host alone (the port is --http-port's)");
        InetAddress literal = literal(given, host);
        if (literal == null) {
            return host;
        }
        UsageException.require(!literal.isAnyLocalAddress(), FLAG, given + " is the wildcard address, which no "
                + "other instance can connect to; give this machine's address or name (or leave it out: the default "
                + "is the address of its interface that is up)");
        UsageException.require(literal.isLoopbackAddress() || !endpoint.loopback(), FLAG, given + " is not reachable: "
                + "the HTTP server listens on " + endpoint.bind() + " (loopback) only; add --http-bind " + given
                + " or 0.0.0.0 (with --http-tls)");
        return host;
    }

    /** {@code host} as an IP address if it is one, null for a host name; refuses anything else. Never looks a name up. */
    private static InetAddress literal(String given, String host) {
        try {
            if (host.contains(":")) {
                // The JDK parses a string with a colon as an IPv6 literal, and refuses it without a lookup if it is none.
                return InetAddress.getByName(host);
            }
            if (IPV4.matcher(host).matches()) {
                byte[] bytes = new byte[4];
                String[] octets = host.split("\\.");
                for (int i = 0; i < 4; i++) {
                    int octet = Integer.parseInt(octets[i]);
                    UsageException.require(octet <= 255, FLAG, "'" + given + "' is not a host name or IP address");
                    bytes[i] = (byte) octet;
                }
                return InetAddress.getByAddress(bytes);
            }
        } catch (UnknownHostException e) {
            throw new UsageException(FLAG, "'" + given + "' is not a host name or IP address");
        }
        UsageException.require(HOST_NAME.matcher(host).matches() && !NUMERIC.matcher(host).matches(), FLAG,
                "'" + given + "' is not a host name or IP address");
        return null;
    }

    /** What a server bound to {@code bind} advertises when not told. */
    static String defaultFor(String bind) {
        InetAddress address;
        try {
            address = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw new UsageException("--http-bind", "'" + bind + "' is not an address of this machine");
        }
        if (!address.isAnyLocalAddress()) {
            return bind.startsWith("[") && bind.endsWith("]") ? bind.substring(1, bind.length() - 1) : bind;
        }
        return machineAddress().orElseThrow(() -> new UsageException(FLAG, "--http-bind " + bind + " listens on every "
                + "interface, but none beyond loopback is up to advertise; give " + FLAG + " HOST"));
    }

    /**
     * This machine's own address: the first IPv4 address, else the first global IPv6 address, of the
     * first interface (by index) that is up and not loopback.
     */
    static Optional<String> machineAddress() {
        List<NetworkInterface> up;
        try {
            up = NetworkInterface.networkInterfaces().filter(AdvertisedHost::upBeyondLoopback)
                    .sorted(Comparator.comparingInt(NetworkInterface::getIndex)).toList();
        } catch (SocketException e) {
            return Optional.empty();
        }
        for (boolean v4 : new boolean[] {true, false}) {
            for (NetworkInterface n : up) {
                Optional<InetAddress> a = n.inetAddresses().filter(i -> (i instanceof Inet4Address) == v4)
                        .filter(i -> !i.isLinkLocalAddress() && !i.isLoopbackAddress() && !i.isAnyLocalAddress())
                        .findFirst();
                if (a.isPresent()) {
                    return Optional.of(a.get().getHostAddress());
                }
            }
        }
        return Optional.empty();
    }

    private static boolean upBeyondLoopback(NetworkInterface n) {
        try {
            return n.isUp() && !n.isLoopback() && !n.isVirtual();
        } catch (SocketException e) {
            return false;
        }
    }
}
