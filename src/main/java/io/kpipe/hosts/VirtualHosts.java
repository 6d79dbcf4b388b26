package io.kpipe.hosts;

import io.kpipe.config.UsageException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Many hosts on one machine: each host is a Linux network namespace with an address of its own on
 * a private bridge, so the processes kpipe runs on different hosts talk over a network as they
 * would between machines, and a host's link can be cut and restored (a network partition).
 *
 * <pre>
 * the machine's namespace (kpipe's JVM)
 *   kp&lt;n&gt;  10.A.B.1/24 ──veth──┐
 *                               │  switch namespace, held by one process: `cat` reading a pipe from kpipe
 *                               ├─ br0 ── h1 ──veth── eth0 10.A.B.11   host 1: the namespace of its process
 *                               │      ── h2 ──veth── eth0 10.A.B.12   host 2
 *                               └─ br1    (a split: the links moved here reach only each other)
 * </pre>
 *
 * <p><b>Nothing is named, nothing outlives kpipe.</b> A namespace lives while a process is in it:
 * the switch namespace's only process reads a pipe from kpipe and ends at its end of input, so when
 * kpipe dies (SIGKILL included) the switch namespace goes, and with it the bridges and every veth
 * pair with an end in it: the hosts' {@code eth0} and kpipe's own link. A host's namespace goes
 * when its process ends. Of the machine's own network, only the link {@code kp<n>} is added (its
 * peer is in the switch, so it goes with it); no route, address of another link, or firewall rule
 * is touched. The subnet is a random {@code 10.A.B.0/24} that overlaps no route of the machine.
 *
 * <p><b>Starting a process on a host.</b> {@link #command} wraps its command line in
 * {@code unshare --net} and a shell that waits until the host's address is configured before it
 * execs the command (same PID throughout, so the caller's watchdog and lifeline still apply);
 * {@link #attach} then plugs the new namespace into the switch. Needs Linux, root and iproute2
 * ({@code ip}, {@code unshare}, {@code nsenter}), and bash for the processors' command line
 * ({@link DeployGuide}): {@link #requireSupported} says what is missing
 * in one line.
 */
public final class VirtualHosts implements AutoCloseable {
    /** One host: its name, its address on the bridge and its link's name in the switch. */
    public record Host(String name, String address, String link) {}

    /** How long a host's process waits for its network before it gives up (tenths of a second). */
    private static final int WAIT_TENTHS = 300;
    private static final String SWITCH_SCRIPT = String.join(" && ",
            "ip link set lo up", "ip link add br0 type bridge", "ip link set br0 up",
            "ip link add br1 type bridge", "ip link set br1 up", "echo ready", "exec cat >/dev/null");
    /** $0: the host's name; the arguments: the command to exec once eth0 has its address. */
    private static final String HOST_SCRIPT = String.join("\n",
            "name=$0; i=0",
            "until ip -4 -o addr show dev eth0 2>/dev/null | grep -q ' inet '; do",
            "  i=$((i+1)); if [ $i -gt " + WAIT_TENTHS + " ]; then",
            "    echo \"kpipe: host $name: its network was not set up within 30 s\" >&2; exit 70; fi",
            "  sleep 0.1",
            "done",
            "exec \"$@\"");

    private final Process holder;
    private final OutputStream lifeline;
    private final long switchPid;
    private final String subnet;
    private final String uplink;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private boolean closed;

    private VirtualHosts(Process holder, String subnet, String uplink) {
        this.holder = holder;
        this.lifeline = holder.getOutputStream();
        this.switchPid = holder.pid();
        this.subnet = subnet;
        this.uplink = uplink;
    }

    /**
     * Throws a {@link UsageException} naming {@code setting} unless hosts can be made here: Linux,
     * root, and {@code ip}, {@code unshare}, {@code nsenter} and {@code bash} on the PATH.
     */
    public static void requireSupported(String setting) {
        Optional<String> missing = missing();
        missing.ifPresent(m -> {
            throw new UsageException(setting, "needs Linux, root, iproute2 (ip, unshare, nsenter) and bash; " + m);
        });
    }

    /** What is missing to make hosts here, or empty. */
    public static Optional<String> missing() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return Optional.of("this is " + System.getProperty("os.name"));
        }
        if (!isRoot()) {
            return Optional.of("kpipe is not running as root");
        }
        List<String> absent = Stream.of("ip", "unshare", "nsenter", "bash").filter(c -> which(c).isEmpty()).toList();
        return absent.isEmpty() ? Optional.empty() : Optional.of("not found: " + String.join(", ", absent));
    }

    /** Makes the switch namespace and kpipe's link into it, on a free subnet. */
    public static VirtualHosts create() {
        requireSupported("--hosts");
        String subnet = freeSubnet();
        Process holder;
        try {
            holder = new ProcessBuilder(which("unshare").orElseThrow(), "--net", "--", "sh", "-c", SWITCH_SCRIPT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the switch namespace", e);
        }
        try {
            String line = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            if (!"ready".equals(line)) {
                holder.destroyForcibly();
                throw new IllegalStateException("the switch namespace could not be set up (see the error above)");
            }
        } catch (IOException e) {
            holder.destroyForcibly();
            throw new UncheckedIOException("cannot read from the switch namespace", e);
        }
        String uplink = "kp" + holder.pid();
        VirtualHosts v = new VirtualHosts(holder, subnet, uplink);
        try {
            run("ip", "link", "add", uplink, "type", "veth", "peer", "name", "up0", "netns", Long.toString(holder.pid()));
            v.inSwitch("ip", "link", "set", "up0", "master", "br0", "up");
            run("ip", "addr", "add", v.gateway() + "/24", "dev", uplink);
            run("ip", "link", "set", uplink, "up");
        } catch (RuntimeException e) {
            v.close();
            throw e;
        }
        return v;
    }

    /** The hosts' network, {@code 10.A.B.0/24}. */
    public String network() {
        return subnet + ".0/24";
    }

    /** kpipe's own address on the bridge: hosts reach the machine's namespace there. */
    public String gateway() {
        return subnet + ".1";
    }

    /** The name of kpipe's link into the switch, in the machine's namespace. */
    public String uplink() {
        return uplink;
    }

    /** A new host named {@code name} (unique), with the next address. Nothing runs on it yet. */
    public synchronized Host host(String name) {
        if (hosts.containsKey(name)) {
            throw new IllegalArgumentException("host " + name + " exists already");
        }
        int n = hosts.size() + 1;
        if (n > 200) {
            throw new IllegalStateException("at most 200 hosts");
        }
        Host h = new Host(name, subnet + "." + (10 + n), "h" + n);
        hosts.put(name, h);
        return h;
    }

    public synchronized Collection<Host> hosts() {
        return List.copyOf(hosts.values());
    }

    /**
     * {@code command} run on {@code host}: in a network namespace of its own, once {@link #attach}
     * has given it its address. A leading {@code setsid} stays first.
     */
    public List<String> command(Host host, List<String> command) {
        List<String> cmd = new ArrayList<>();
        int from = 0;
        if (!command.isEmpty() && command.get(0).endsWith("/setsid")) {
            cmd.add(command.get(0));
            from = 1;
        }
        cmd.addAll(List.of(which("unshare").orElseThrow(), "--net", "--", "sh", "-c", HOST_SCRIPT,
                "kpipe-host-" + host.name()));
        cmd.addAll(command.subList(from, command.size()));
        return cmd;
    }

    /**
     * Plugs the namespace of {@code pid}, a process started with {@link #command}, into the switch
     * and gives it {@code host}'s address; the process then goes on. Waits for the process to be in
     * a namespace of its own first (it starts in kpipe's).
     */
    public void attach(Host host, long pid) {
        waitForOwnNamespace(pid);
        String p = Long.toString(pid);
        // The host's earlier process (a restart after a kill) left its link behind while the kernel
        // tears its namespace down: take it out now, so the name is free.
        try {
            inSwitch("ip", "link", "del", host.link());
        } catch (IllegalStateException absent) {
            // No such link: the usual case.
        }
        run("ip", "link", "add", host.link(), "netns", Long.toString(switchPid), "type", "veth",
                "peer", "name", "eth0", "netns", p);
        inSwitch("ip", "link", "set", host.link(), "master", "br0", "up");
        run("nsenter", "-t", p, "-n", "sh", "-c",
                "ip link set lo up && ip link set eth0 up && ip addr add " + host.address() + "/24 dev eth0");
    }

    /** Cuts {@code host}'s link: nothing reaches it and it reaches nothing, until {@link #restore}. */
    public void cut(Host host) {
        inSwitch("ip", "link", "set", host.link(), "down");
    }

    /** Restores {@code host}'s link, on the main side of any split. */
    public void restore(Host host) {
        inSwitch("ip", "link", "set", host.link(), "master", "br0", "up");
    }

    /**
     * Splits the network: the {@code side} hosts reach only each other, the others (and kpipe) only
     * each other, until each is {@link #restore restored}.
     */
    public void split(Collection<Host> side) {
        for (Host h : side) {
            inSwitch("ip", "link", "set", h.link(), "master", "br1", "up");
        }
    }

    /**
     * Ends the switch namespace: every link into it goes with it (waits up to 10 s for the kernel to
     * remove kpipe's link). Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            lifeline.close();
        } catch (IOException ignored) {
            // The holder is gone already.
        }
        try {
            if (!holder.waitFor(10, TimeUnit.SECONDS)) {
                holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            // The kernel tears a namespace down in the background: wait until the link is gone,
            // so that nothing of ours is left when kpipe exits.
            Path link = Path.of("/sys/class/net", uplink);
            for (int i = 0; i < 1000 && Files.exists(link); i++) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            holder.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void inSwitch(String... command) {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "-t", Long.toString(switchPid), "-n"));
        cmd.addAll(List.of(command));
        run(cmd.toArray(String[]::new));
    }

    private static void waitForOwnNamespace(long pid) {
        Path mine = Path.of("/proc/self/ns/net");
        Path theirs = Path.of("/proc/" + pid + "/ns/net");
        try {
            String own = Files.readSymbolicLink(mine).toString();
            for (int i = 0; i < 1000; i++) {
                if (!Files.readSymbolicLink(theirs).toString().equals(own)) {
                    return;
                }
                Thread.sleep(10);
            }
        } catch (IOException e) {
            throw new IllegalStateException("process " + pid + " ended before it had a network namespace", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for process " + pid, e);
        }
        throw new IllegalStateException("process " + pid + " did not enter a network namespace of its own within 10 s");
    }

    /** Runs a command to its end; throws with its output if it fails. */
    static String run(String... command) {
        List<String> cmd = new ArrayList<>(List.of(command));
        cmd.set(0, which(cmd.get(0)).orElse(cmd.get(0)));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + ": no answer within 30 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        }
    }

    /** A 10.A.B.0/24 (as "10.A.B") that no route or address of the machine overlaps. */
    private static String freeSubnet() {
        List<long[]> taken = new ArrayList<>();
        for (String line : (run("ip", "-4", "-o", "route", "show", "table", "all") + "\n"
                + run("ip", "-4", "-o", "addr")).split("\n")) {
            for (String word : line.trim().split("\\s+")) {
                long[] net = Subnets.parse(word);
                if (net != null) {
                    taken.add(net);
                }
            }
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int a = 200 + r.nextInt(55);
            int b = r.nextInt(256);
            long[] mine = Subnets.parse("10." + a + "." + b + ".0/24");
            if (taken.stream().noneMatch(t -> Subnets.overlap(t, mine))) {
                return "10." + a + "." + b;
            }
        }
        throw new IllegalStateException("no free 10.200-254.x.0/24 subnet on this machine");
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");   // the effective UID
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static Optional<String> which(String command) {
        if (command.contains("/")) {
            return Optional.of(command);
        }
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, command))
                .filter(Files::isExecutable).map(Path::toString).findFirst();
    }
}
