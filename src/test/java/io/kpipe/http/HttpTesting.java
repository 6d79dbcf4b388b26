package io.kpipe.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;

/** Helpers of the HTTP server tests: raw sockets, a port nobody listens on, short request timeouts. */
final class HttpTesting {
    /**
     * The JDK server reads its timeouts once, when its classes load. Tests that stall connections
     * set a short one first so that they wait 2 s for the server to close them, not 30; a value the
     * user set with -D is kept (as HttpService does). If another test in this JVM started a server
     * before, the production value applies: the waits below allow for it, only slower.
     */
    static void shortRequestTimeout() {
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", "2");
        }
    }

    /** Long enough for the production request timeout plus the JDK's 1 s timer tick. */
    static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(HttpService.MAX_REQUEST_SECONDS + 30);

    private HttpTesting() {}

    static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    /** A port on 127.0.0.1 where nothing listens: a Kafka cluster that is down. */
    static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Opens a connection to {@code port} and sends {@code prefix} of a request, never the rest. */
    static Socket stall(int port, String prefix) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.getOutputStream().write(prefix.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        s.setSoTimeout(100);
        return s;
    }

    /** True once the server closed {@code s} (end of stream or reset); false while it is open and silent. */
    static boolean closedByServer(Socket s) {
        try {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            while (true) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
