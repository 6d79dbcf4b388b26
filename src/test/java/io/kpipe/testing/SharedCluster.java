package io.kpipe.testing;

import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.ClusterConfig;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves a {@link LocalCluster} parameter to one real 1-broker cluster, started on first use
 * and stopped when the whole test run ends. Tests sharing it use unique topic prefixes and
 * application ids ({@link #unique(String)}).
 */
public final class SharedCluster implements ParameterResolver {
    private static final java.util.concurrent.atomic.AtomicInteger SEQ = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == LocalCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return e.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Holder.class, k -> new Holder(), Holder.class).cluster;
    }

    /** A name no other test of this run uses, e.g. {@code t3-pipeline-}. */
    public static String unique(String base) {
        return "t" + SEQ.incrementAndGet() + "-" + base;
    }

    private static final class Holder implements ExtensionContext.Store.CloseableResource {
        final LocalCluster cluster = LocalCluster.start(ClusterConfig.ofBrokers(1));

        @Override
        public void close() {
            cluster.close();
        }
    }
}
