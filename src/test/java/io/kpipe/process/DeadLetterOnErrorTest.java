package io.kpipe.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.model.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

class DeadLetterOnErrorTest {
    /** What Kafka Streams hands the handler: the failing record's source position and raw bytes. */
    private record Context(byte[] sourceRawKey, byte[] sourceRawValue) implements ErrorHandlerContext {
        @Override
        public String topic() {
            return "points";
        }

        @Override
        public int partition() {
            return 3;
        }

        @Override
        public long offset() {
            return 42;
        }

        @Override
        public Headers headers() {
            return new RecordHeaders().add("trace-id", "t1".getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String processorNodeId() {
            return "aggregate";
        }

        @Override
        public TaskId taskId() {
            return new TaskId(0, 3);
        }

        @Override
        public long timestamp() {
            return 1_764_000_000_000L;
        }
    }

    private static DeadLetterOnError handler() {
        DeadLetterOnError h = new DeadLetterOnError();
        h.configure(Map.of(DeadLetterOnError.TOPIC_CONFIG, "p-points-dlq"));
        return h;
    }

    @Test
    void shouldSendTheFailingRecordToTheDeadLetterTopicWithTheExceptionAndGoOn() {
        byte[] key = "s-1".getBytes(StandardCharsets.UTF_8);
        byte[] value = "s-1,,1.0".getBytes(StandardCharsets.UTF_8);

        ProcessingExceptionHandler.Response r = handler().handleError(new Context(key, value),
                new Record<>(key, value, 0L), new IllegalStateException("boom"));

        assertThat(r.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
        assertThat(r.deadLetterQueueRecords()).hasSize(1);
        ProducerRecord<byte[], byte[]> dlq = r.deadLetterQueueRecords().get(0);
        assertThat(dlq.topic()).isEqualTo("p-points-dlq");
        assertThat(dlq.key()).isEqualTo(key);
        assertThat(dlq.value()).isEqualTo(value);
        assertThat(dlq.timestamp()).isEqualTo(1_764_000_000_000L);
        assertThat(DeadLetter.text(dlq.headers(), "trace-id")).isEqualTo("t1");
        assertThat(DeadLetter.text(dlq.headers(), DeadLetter.ERROR_TYPE)).isEqualTo("error");
        assertThat(DeadLetter.text(dlq.headers(), DeadLetter.ERROR))
                .isEqualTo("processing failed: java.lang.IllegalStateException: boom");
        assertThat(DeadLetter.text(dlq.headers(), DeadLetter.SOURCE_PARTITION)).isEqualTo("3");
        assertThat(DeadLetter.text(dlq.headers(), DeadLetter.SOURCE_OFFSET)).isEqualTo("42");
    }

    @Test
    void shouldFailAnErrorThatNoSourceRecordCausedRatherThanHideIt() {
        ProcessingExceptionHandler.Response r = handler().handleError(new Context(null, null), null,
                new IllegalStateException("in a punctuation"));

        assertThat(r.result()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
        assertThat(r.deadLetterQueueRecords()).isEmpty();
    }
}
