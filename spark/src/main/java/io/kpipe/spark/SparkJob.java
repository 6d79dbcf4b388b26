package io.kpipe.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.GroupStateTimeout;
import org.apache.spark.sql.streaming.OutputMode;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;

/**
 * kpipe's job on Spark Structured Streaming, as plain functions ({@link #session}, {@link #start}).
 *
 * <pre>
 * points (read_committed, headers) ──► decode + future rule (Rules, per record)
 *        ──► watermark on the clock column, delay = grace
 *        ──► groupByKey(sensor).flatMapGroupsWithState (WindowStep: late, overflow, windows; update mode)
 *        ──► Kafka sink, topic per row: points-agg-1m (key sensor@start, JSON) | points-dlq (original bytes, reason headers)
 * </pre>
 *
 * One query, one sink, so that each record of {@code points} has exactly one outcome written by
 * the micro-batch that read it. Spark's Kafka sink is at-least-once: a micro-batch run again
 * after a failure writes its records again. Aggregates are keyed, and the batch computes the same
 * values again from the same checkpointed state, so the last record per key is still the window's
 * value; a dead letter written twice is counted twice by the books (docs/spark.md).
 */
public final class SparkJob {
    private SparkJob() {}

    /** A local Spark bound to loopback, without UI, sized to {@code settings.cores()}. */
    public static SparkSession session(SparkSettings settings, Path scratch) {
        return SparkSession.builder()
                .appName("kpipe-" + settings.applicationId())
                .master("local[" + settings.cores() + "]")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", Integer.toString(settings.cores()))
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.local.dir", scratch.toString())
                .config("spark.sql.streaming.metricsEnabled", "false")
                .getOrCreate();
    }

    /** Starts the query; the checkpoint is {@code settings.checkpointDir()} (a restart resumes from it). */
    public static StreamingQuery start(SparkSession spark, SparkSettings settings) throws TimeoutException {
        Dataset<Row> records = spark.readStream().format("kafka")
                .options(settings.sparkKafkaOptions())
                .option("subscribe", settings.pointsTopic())
                .option("startingOffsets", "earliest")
                .option("failOnDataLoss", "true")
                .option("includeHeaders", "true")
                .option("kafka.isolation.level", "read_committed")
                .load();
        Dataset<PointRow> points = records.mapPartitions(decode(settings), Encoders.bean(PointRow.class));
        Dataset<OutRow> out = points
                .withWatermark("clock", settings.graceMs() + " milliseconds")
                .groupByKey((MapFunction<PointRow, String>) PointRow::getGroup, Encoders.STRING())
                .flatMapGroupsWithState(new WindowStep(settings), OutputMode.Update(),
                        Encoders.bean(SensorWindows.class), Encoders.bean(OutRow.class),
                        GroupStateTimeout.ProcessingTimeTimeout());
        return out.select("topic", "key", "value", "headers")
                .writeStream()
                .format("kafka")
                .options(settings.sparkKafkaOptions())
                .option("kafka.acks", "all")
                .option("kafka.enable.idempotence", "true")
                .option("kafka.compression.type", "lz4")
                .option("kafka.linger.ms", "10")
                .option("checkpointLocation", settings.checkpointDir())
                .outputMode(OutputMode.Update())
                .trigger(Trigger.ProcessingTime(settings.triggerMs()))
                .queryName(settings.applicationId())
                .start();
    }

    private static MapPartitionsFunction<Row, PointRow> decode(SparkSettings settings) {
        long maxFutureMs = settings.maxFutureMs();
        String deadLetters = settings.deadLettersTopic();
        return rows -> {
            Rules rules = new Rules(maxFutureMs, deadLetters);
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public PointRow next() {
                    Row r = rows.next();
                    java.sql.Timestamp ts = r.getAs("timestamp");
                    return rules.decode(r.getAs("key"), r.getAs("value"), ts == null ? -1 : ts.getTime(),
                            headers(r), r.getAs("topic"), r.getAs("partition"),
                            r.getAs("offset"), System.currentTimeMillis());
                }
            };
        };
    }

    private static List<HeaderRow> headers(Row record) {
        int i = record.fieldIndex("headers");
        List<Row> rows = record.isNullAt(i) ? null : record.getList(i);
        if (rows == null || rows.isEmpty()) {
            return List.of();
        }
        List<HeaderRow> out = new ArrayList<>(rows.size());
        for (Row h : rows) {
            out.add(new HeaderRow(h.getString(0), (byte[]) h.get(1)));
        }
        return out;
    }
}
