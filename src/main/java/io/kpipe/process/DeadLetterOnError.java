package io.kpipe.process;

import io.kpipe.model.DeadLetter;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last line of defence: a record whose processing throws anything the processor did not
 * expect (a defect of kpipe's, never a bad point, which is rejected in the normal path) goes to the
 * dead-letter topic as type {@code error} with the exception as its reason, and processing goes on.
 * Without it one such record would stop the stream thread, and every instance that took its
 * partition over would stop on it in turn. An error outside any record (no source record) still
 * fails: there is nothing to set aside, and hiding it would hide the defect.
 *
 * <p>The topic comes from the setting {@link #TOPIC_CONFIG}, which {@link PointTopology#streamsProperties} sets.
 */
public final class DeadLetterOnError implements ProcessingExceptionHandler {
    /** The dead-letter topic (kpipe's own setting, passed through Kafka Streams' config). */
    public static final String TOPIC_CONFIG = "kpipe.dead.letter.topic";
    private static final Logger log = LoggerFactory.getLogger(DeadLetterOnError.class);
    /** Logged in full for the first few (per stream thread); not after, so a flood cannot flood the log. */
    private static final int LOGGED = 10;
    private String topic;
    private long errors;

    @Override
    public void configure(Map<String, ?> configs) {
        Object t = configs.get(TOPIC_CONFIG);
        if (t == null) {
            throw new IllegalArgumentException(TOPIC_CONFIG + " is not set");
        }
        topic = t.toString();
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (context.sourceRawKey() == null && context.sourceRawValue() == null) {
            return Response.fail();
        }
        long n = ++errors;
        if (n <= LOGGED) {
            log.warn("record {}-{}@{} failed in processor node {}; sent to {} as type error{}", context.topic(),
                    context.partition(), context.offset(), context.processorNodeId(), topic,
                    n == LOGGED ? " (further ones are not logged)" : "", exception);
        }
        DeadLetter.Letter letter = DeadLetter.of(context.sourceRawKey(), context.sourceRawValue(), context.headers(),
                DeadLetter.Type.ERROR, "processing failed: " + exception, context.topic(), context.partition(),
                context.offset());
        return Response.resume(List.of(new ProducerRecord<>(topic, null, Math.max(0, context.timestamp()),
                letter.key(), letter.value(), letter.headers())));
    }
}
