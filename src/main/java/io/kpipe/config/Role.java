package io.kpipe.config;

import java.util.Locale;

/**
 * The parts of a pipeline that talk to Kafka, each as a principal of its own on a secured cluster
 * (one SCRAM user per role, named by {@link #user()}), with only the ACLs its work needs:
 *
 * <pre>
 * admin       topics, the device registry, lag and drain, the books (a super user)
 * source      the generator, POST /ingest, kpipe produce: write points
 * processor   Kafka Streams: read points and devices, write the outputs, its group, transactions, internal topics
 * sink        PostgreSQL and file sinks: read the outputs in their groups
 * </pre>
 */
public enum Role {
    ADMIN, SOURCE, PROCESSOR, SINK;

    /** The SCRAM user name, and the base name of the role's client files: {@code admin}, {@code source}, ... */
    public String user() {
        return name().toLowerCase(Locale.ROOT);
    }
}
