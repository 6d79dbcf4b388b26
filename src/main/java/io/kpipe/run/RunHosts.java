package io.kpipe.run;

import io.kpipe.hosts.DeployGuide;
import io.kpipe.hosts.HostCertificate;
import io.kpipe.hosts.VirtualHosts;
import io.kpipe.lifecycle.Resources;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code kpipe run --hosts}: the network of the run and its processors' hosts (docs/hosts.md).
 *
 * <pre>
 * kpipe's own namespace, 10.A.B.1 on its link kp&lt;n&gt;: the generator, the sink, the books, the dashboard
 * broker-1..N     10.A.B.11..   (LocalCluster: each listens on and advertises its host's address, port 9092)
 * processor-1..M  next ones     (ProcessorGroup: docs/deploy.md's kpipe process line, queries over HTTPS at the guide's port)
 * </pre>
 */
final class RunHosts {
    private RunHosts() {}

    /** The switch and kpipe's link into it, closed with {@code resources} (after what is added later). */
    static VirtualHosts network(Resources resources, PrintWriter out) {
        VirtualHosts hosts = resources.add(VirtualHosts.create());
        out.printf("hosts: network %s, kpipe (generator, sink, books) at %s on link %s%n",
                hosts.network(), hosts.gateway(), hosts.uplink());
        return hosts;
    }

    /**
     * A host for each of {@code n} processors, the directory {@code work/etc} the deployment guide
     * calls {@code ETC} and the certificate of their query servers in it.
     */
    static ProcessorGroup.OnHosts processors(VirtualHosts hosts, int n, Path work, PrintWriter out) {
        List<VirtualHosts.Host> on = new ArrayList<>();
        for (int id = 1; id <= n; id++) {
            on.add(hosts.host("processor-" + id));
        }
        DeployGuide guide = DeployGuide.bundled();
        Path etc = work.resolve("etc");
        try {
            Files.createDirectories(etc);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + etc, e);
        }
        HostCertificate certificate = HostCertificate.create(etc, on.stream().map(VirtualHosts.Host::address).toList());
        ProcessorGroup.OnHosts onHosts = new ProcessorGroup.OnHosts(hosts, on, guide, etc, certificate);
        out.printf("processors run docs/deploy.md's line: %s%n", guide.line());
        for (int id = 1; id <= n; id++) {
            out.printf("processor %d: host %s, queries %s (HOST=%s ETC=%s STATE=%s)%n", id, on.get(id - 1).address(),
                    onHosts.queryUrl(id, "{id}"), on.get(id - 1).address(), etc,
                    work.resolve("processor-" + id).resolve("state"));
        }
        out.printf("queries are HTTPS with a certificate made for this run: curl --cacert %s %s%n", certificate.pem(),
                onHosts.queryUrl(1, "s-1"));
        return onHosts;
    }
}
