package io.kpipe.hosts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hosts as network namespaces on a bridge, with real processes: they reach each other and kpipe,
 * a cut link reaches nothing until restored, a split keeps each side to itself, and nothing is left
 * when the hosts are closed or their owner is SIGKILLed. Skipped where namespaces cannot be made.
 */
@Tag("integration")
class HostsIT {
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void needNamespaces() {
        Assumptions.assumeTrue(VirtualHosts.missing().isEmpty(),
                () -> "network namespaces cannot be made here: " + VirtualHosts.missing().orElse(""));
    }

    @AfterEach
    void stopProcesses() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldConnectHostsAndCutRestoreAndSplitTheirLinks() throws Exception {
        String uplink;
        try (VirtualHosts v = VirtualHosts.create()) {
            uplink = v.uplink();
            assertThat(links()).contains(": " + uplink + "@");
            VirtualHosts.Host a = v.host("a");
            VirtualHosts.Host b = v.host("b");
            assertThat(a.address()).isEqualTo(v.gateway().replaceAll("\\.1$", ".11"));
            assertThat(b.address()).isEqualTo(v.gateway().replaceAll("\\.1$", ".12"));

            Process greeter = start(v, a, HostMains.Greeter.class, a.address(), "a");
            int port = Integer.parseInt(firstLine(greeter));
            assertThat(HostMains.ask(a.address(), port)).isEqualTo("hello from a");
            assertThat(ask(v, b, a.address(), port)).isEqualTo("hello from a");

            v.cut(a);
            assertThat(HostMains.ask(a.address(), port)).startsWith("failed: ");
            v.restore(a);
            assertThat(HostMains.ask(a.address(), port)).isEqualTo("hello from a");

            v.split(List.of(a));
            assertThat(HostMains.ask(a.address(), port)).startsWith("failed: ");
            v.restore(a);
            assertThat(HostMains.ask(a.address(), port)).isEqualTo("hello from a");
        }
        assertThat(links()).doesNotContain(": " + uplink + "@");
    }

    @Test
    void shouldLeaveNoLinkWhenItsOwnerIsKilled() throws Exception {
        Process holder = new ProcessBuilder(java(HostMains.Holder.class)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        started.add(holder);
        String uplink = firstLine(holder);
        assertThat(uplink).startsWith("kp");
        assertThat(links()).contains(": " + uplink + "@");
        holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).until(() -> !links().contains(": " + uplink + "@"));
    }

    private String ask(VirtualHosts v, VirtualHosts.Host from, String address, int port) throws Exception {
        Process p = start(v, from, HostMains.Ask.class, address, Integer.toString(port));
        String line = firstLine(p);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return line;
    }

    private Process start(VirtualHosts v, VirtualHosts.Host host, Class<?> main, String... args) throws Exception {
        List<String> cmd = java(main);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(v.command(host, cmd)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        started.add(p);
        v.attach(host, p.pid());
        return p;
    }

    private static List<String> java(Class<?> main) {
        return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), main.getName()));
    }

    private static String firstLine(Process p) throws Exception {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    private static String links() throws Exception {
        return VirtualHosts.run("ip", "-o", "link", "show");
    }
}
