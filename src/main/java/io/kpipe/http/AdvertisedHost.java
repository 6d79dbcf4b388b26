package io.kpipe.http;

import io.kpipe.config.HttpEndpoint;
import io.kpipe.config.UsageException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Arrays;
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
 * server's), not a wildcard, and an IPv4 address without leading zeros (octal to some resolvers).
 * It must lead to where the server listens: with a specific {@code --http-bind}, an IP address
 * must be that address, and a name must resolve here to addresses that include it (a name that
 * does not resolve is refused); with a wildcard bind any address or name is taken, as the server
 * listens on all of this machine's.
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
        UsageException.require(host.indexOf('%') < 0, FLAG, "'" + given + "' has a scope (" + host.substring(
                Math.max(0, host.indexOf('%'))) + "), which means something on this machine only; give an address or "
                + "name the other instances reach this one at");
        UsageException.require(!(host.indexOf(':') > 0 && host.indexOf(':') == host.lastIndexOf(':')), FLAG,
                "'" + given + "' has a port; give the host alone (the port is --http-port's)");
        InetAddress literal = literal(given, host);
        InetAddress bound = bound(endpoint.bind());
        if (literal == null) {
            if (!bound.isAnyLocalAddress()) {
                resolvesTo(given, host, bound, endpoint.bind());
            }
            return host;
        }
        UsageException.require(!literal.isAnyLocalAddress(), FLAG, given + " is the wildcard address, which no "
                + "other instance can connect to; give this machine's address or name (or leave it out: the default "
                + "is the address of its interface that is up)");
        UsageException.require(literal.isLoopbackAddress() || !endpoint.loopback(), FLAG, given + " is not reachable: "
                + "the HTTP server listens on " + endpoint.bind() + " (loopback) only; add --http-bind " + given
                + " or 0.0.0.0 (with --http-tls)");
        UsageException.require(bound.isAnyLocalAddress() || same(literal, bound), FLAG, given + " is not reachable: "
                + "the HTTP server listens on " + endpoint.bind() + " only; leave " + FLAG + " out, or add --http-bind "
                + given + " or a wildcard (0.0.0.0, ::)");
        return host;
    }

    /** The address a server given {@code --http-bind bind} listens on (the first of a name's), as the server takes it. */
    private static InetAddress bound(String bind) {
        try {
            return InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw new UsageException("--http-bind", "'" + bind + "' is not an address of this machine");
        }
    }

    /**
     * Refuses the name {@code host} unless it resolves, here, to addresses that include {@code bound}:
     * other instances would connect where nothing listens. A name that does not resolve here is
     * refused too: the other instances most likely cannot resolve it either (and a systemd unit
     * restarts a processor refused at boot before DNS answered).
     */
    private static void resolvesTo(String given, String host, InetAddress bound, String bind) {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new UsageException(FLAG, "'" + given + "' does not resolve on this machine, so other instances "
                    + "cannot be sure to reach it; give a name that resolves to " + bind + ", or " + bind + " itself");
        }
        for (InetAddress a : all) {
            if (same(a, bound)) {
                return;
            }
        }
        throw new UsageException(FLAG, given + " is not reachable: it resolves to " + describe(all)
                + ", but the HTTP server listens on " + bind + " only; give a name that resolves to " + bind
                + ", or add --http-bind with its address or a wildcard (0.0.0.0, ::)");
    }

    /** The same address, whatever IPv6 scope either carries. */
    private static boolean same(InetAddress a, InetAddress b) {
        return Arrays.equals(a.getAddress(), b.getAddress());
    }

    private static String describe(InetAddress[] all) {
        StringBuilder b = new StringBuilder();
        for (InetAddress a : all) {
            b.append(b.length() == 0 ? "" : ", ").append(literal(a));
        }
        return b.toString();
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
                    // 010 is 8 to inet_aton and some resolvers, 10 to others: refused rather than guessed.
                    UsageException.require(octets[i].length() == 1 || octets[i].charAt(0) != '0', FLAG, "'" + given
                            + "' has a leading zero, which some resolvers read as octal; write the address without, "
                            + "e.g. " + withoutLeadingZeros(octets));
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

    private static String withoutLeadingZeros(String[] octets) {
        StringBuilder b = new StringBuilder();
        for (String o : octets) {
            b.append(b.length() == 0 ? "" : ".").append(Integer.parseInt(o));
        }
        return b.toString();
    }

    /** What a server bound to {@code bind} advertises when not told. */
    static String defaultFor(String bind) {
        InetAddress address = bound(bind);
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
                    return Optional.of(literal(a.get()));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * {@code a} as an address literal without the scope ({@code %eth0}, {@code %2}) an interface's IPv6
     * address carries: the scope means something on this machine only, and {@code application.server}
     * and a URL cannot carry it. The caller brackets an IPv6 literal ({@link #address}).
     */
    static String literal(InetAddress a) {
        try {
            return InetAddress.getByAddress(a.getAddress()).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of 4 or 16 bytes is always taken", e);
        }
    }

    private static boolean upBeyondLoopback(NetworkInterface n) {
        try {
            return n.isUp() && !n.isLoopback() && !n.isVirtual();
        } catch (SocketException e) {
            return false;
        }
    }
}
