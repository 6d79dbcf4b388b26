package io.kpipe.hosts;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Small programs the hosts tests run on a host (as child JVMs), and their client. */
final class HostMains {
    private HostMains() {}

    /** Listens on args[0] (any port), prints the port, and greets every connection with "hello from " + args[1]; ends when stdin closes. */
    static final class Greeter {
        public static void main(String[] args) throws Exception {
            ServerSocket server = new ServerSocket();
            server.bind(new InetSocketAddress(args[0], 0));
            System.out.println(server.getLocalPort());
            System.out.flush();
            Thread lifeline = new Thread(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // nothing: only the end of input matters
                    }
                } catch (Exception ignored) {
                    // ends below
                }
                System.exit(0);
            });
            lifeline.setDaemon(true);
            lifeline.start();
            while (true) {
                try (Socket s = server.accept(); PrintStream out = new PrintStream(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
                    out.println("hello from " + args[1]);
                }
            }
        }
    }

    /** Prints the first line read from args[0]:args[1], or "failed: ..." (connect within 2 s). */
    static final class Ask {
        public static void main(String[] args) {
            System.out.println(ask(args[0], Integer.parseInt(args[1])));
        }
    }

    /** Creates a {@link VirtualHosts}, prints its uplink, then waits to be killed. */
    static final class Holder {
        public static void main(String[] args) throws Exception {
            VirtualHosts v = VirtualHosts.create();
            System.out.println(v.uplink());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    static String ask(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 2000);
            s.setSoTimeout(2000);
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        } catch (Exception e) {
            return "failed: " + e.getClass().getSimpleName();
        }
    }
}
