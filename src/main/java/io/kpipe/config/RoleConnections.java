package io.kpipe.config;

/**
 * The Kafka connection each part of a pipeline uses: on a secured local cluster each role logs in
 * as its own principal ({@link Role}); otherwise all share the one connection the user gave.
 */
public record RoleConnections(KafkaConnection admin, KafkaConnection source, KafkaConnection processor,
                              KafkaConnection sink) {

    /** The same connection for every role (a plaintext cluster, or an existing one reached with -X/--kafka-config). */
    public static RoleConnections all(KafkaConnection kafka) {
        return new RoleConnections(kafka, kafka, kafka, kafka);
    }

    public KafkaConnection of(Role role) {
        return switch (role) {
            case ADMIN -> admin;
            case SOURCE -> source;
            case PROCESSOR -> processor;
            case SINK -> sink;
        };
    }
}
