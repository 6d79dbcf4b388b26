package io.kpipe.run;

import io.kpipe.hosts.HostCertificate;
import io.kpipe.hosts.VirtualHosts;
import io.kpipe.lifecycle.Resources;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code kpipe run --hosts}: the network of the run and its processors' hosts (docs/hosts.md).
 *
 * <pre>
 * kpipe's own namespace, 10.A.B.1 on its link kp&lt;n&gt;: the generator, the sink, the books, the dashboard
 * broker-1..N     10.A.B.11..   (LocalCluster: each listens on and advertises its host's address, port 9092)
 * processor-1..M  next ones     (ProcessorGroup: queries over HTTPS on the host's address, port 8080)
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

    /** A host for each of {@code n} processors, and the certificate of their query servers in {@code work}. */
    static ProcessorGroup.OnHosts processors(VirtualHosts hosts, int n, Path work, PrintWriter out) {
        List<VirtualHosts.Host> on = new ArrayList<>();
        for (int id = 1; id <= n; id++) {
            on.add(hosts.host("processor-" + id));
        }
        HostCertificate certificate = HostCertificate.create(work, on.stream().map(VirtualHosts.Host::address).toList());
        ProcessorGroup.OnHosts onHosts = new ProcessorGroup.OnHosts(hosts, on, certificate);
        for (int id = 1; id <= n; id++) {
            out.printf("processor %d: host %s, queries %s%n", id, on.get(id - 1).address(), onHosts.queryUrl(id, "{id}"));
        }
        out.printf("queries are HTTPS with a certificate made for this run: curl --cacert %s %s%n", certificate.pem(),
                onHosts.queryUrl(1, "s-1"));
        return onHosts;
    }
}
