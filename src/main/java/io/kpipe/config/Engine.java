package io.kpipe.config;

import java.util.Locale;

/**
 * Which stream processor runs kpipe's job: Kafka Streams (in kpipe's JVM or its child processors)
 * or Spark Structured Streaming (a child JVM with Spark's own class path; docs/spark.md).
 */
public enum Engine {
    STREAMS, SPARK;

    /** The flag's spelling: {@code streams} or {@code spark}. */
    public String flagName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
