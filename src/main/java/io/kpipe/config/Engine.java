package io.kpipe.config;

import java.util.Locale;

/**
 * Which stream processor runs kpipe's job: Kafka Streams (in kpipe's JVM or its child processors)
 * with kpipe's own window store ({@code streams}), Spark Structured Streaming (a child JVM with
 * Spark's own class path; docs/spark.md), or Kafka Streams with the window aggregation written as
 * the Kafka Streams docs write it ({@code dsl}: {@code groupByKey().windowedBy(...).aggregate(...)}
 * on the DSL's default window store; docs/engines.md).
 */
public enum Engine {
    STREAMS, SPARK, DSL;

    /** The flag's spelling: {@code streams}, {@code spark} or {@code dsl}. */
    public String flagName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
