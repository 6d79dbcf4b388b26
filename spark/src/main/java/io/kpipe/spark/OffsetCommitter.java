package io.kpipe.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.spark.sql.streaming.SourceProgress;
import org.apache.spark.sql.streaming.StreamingQueryListener;

/**
 * Publishes how far the query has processed {@code points} as the committed offsets of the
 * consumer group named after the application id, after each micro-batch. Spark keeps its offsets
 * in the checkpoint, not in Kafka; kpipe's lag gauge and its drain (run/Drain, run/LagProbe) read
 * the group's offsets, as for Kafka Streams. A batch's progress event comes after its output was
 * written and the batch committed to the checkpoint, so a drained group means complete output.
 * The offsets are informational: a restart resumes from the checkpoint, never from them.
 */
final class OffsetCommitter extends StreamingQueryListener implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Admin admin;
    private final String group;
    private final String topic;
    private volatile boolean progressed;
    private volatile String failure;

    OffsetCommitter(SparkSettings settings) {
        this.admin = Admin.create(new HashMap<>(settings.kafka()));
        this.group = settings.applicationId();
        this.topic = settings.pointsTopic();
    }

    /** Whether a micro-batch (or an idle trigger) has completed. */
    boolean progressed() {
        return progressed;
    }

    /** Why the query terminated with an error, or null. */
    String failure() {
        return failure;
    }

    @Override
    public void onQueryStarted(QueryStartedEvent event) {}

    @Override
    public void onQueryProgress(QueryProgressEvent event) {
        progressed = true;
        for (SourceProgress s : event.progress().sources()) {
            commit(s.endOffset());
        }
    }

    @Override
    public void onQueryIdle(QueryIdleEvent event) {
        progressed = true;
    }

    @Override
    public void onQueryTerminated(QueryTerminatedEvent event) {
        if (event.exception().isDefined()) {
            failure = event.exception().get();
        }
    }

    private void commit(String endOffset) {
        if (endOffset == null) {
            return;
        }
        try {
            JsonNode offsets = JSON.readTree(endOffset).get(topic);
            if (offsets == null) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = offsets.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                commit.put(new TopicPartition(topic, Integer.parseInt(e.getKey())),
                        new OffsetAndMetadata(e.getValue().asLong()));
            }
            admin.alterConsumerGroupOffsets(group, commit).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // The next batch's offsets include these; the lag shows meanwhile what is committed.
            System.err.println("kpipe-spark: cannot publish offsets to group " + group + ": " + e);
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
