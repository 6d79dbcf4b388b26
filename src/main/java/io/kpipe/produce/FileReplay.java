package io.kpipe.produce;

import io.kpipe.config.KafkaConnection;
import io.kpipe.config.UsageException;
import io.kpipe.generate.Generator;
import io.kpipe.model.BinaryPoint;
import io.kpipe.model.MalformedPointException;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code kpipe produce --file}: replays a file of points (NDJSON or CSV, one point a line, as in
 * DESIGN.md) into {@code points}, binary and keyed by sensor, acks=all. Lines that are not points
 * are not sent; they are counted and the first {@link #LISTED} kept with their line numbers. A
 * CSV header line {@code sensor,ts,value} on line 1 is skipped, and so are blank lines. A point
 * without {@code ts} gets the time it is sent. {@code rate} > 0 paces the sending (points/s).
 */
public final class FileReplay {
    public static final int LISTED = 20;

    /** How lines are read: {@code AUTO} takes a line starting with '{' (after a byte order mark and blanks) as JSON, any other as CSV. */
    public enum Format { NDJSON, CSV, AUTO }

    /** One rejected line. */
    public record Rejected(long line, String reason) {}

    /** What a replay did: {@code accepted} points Kafka acknowledged. */
    public record Result(long lines, long accepted, long rejected, List<Rejected> firstRejected, long sendFailed,
                         String sendError) {
        public boolean allAccepted() {
            return rejected == 0 && sendFailed == 0;
        }
    }

    private final KafkaConnection kafka;
    private final String topic;
    private final Format format;
    private final long rate;

    public FileReplay(KafkaConnection kafka, String topic, Format format, long rate) {
        this.kafka = kafka;
        this.topic = topic;
        this.format = format;
        this.rate = rate;
    }

    /** {@code progress} is told the bytes read so far, about every 64 KiB. */
    public Result run(Path file, LongConsumer progress) {
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> error = new AtomicReference<>();
        Callback callback = (RecordMetadata m, Exception e) -> {
            if (e == null) {
                acked.incrementAndGet();
            } else {
                failed.incrementAndGet();
                error.compareAndSet(null, e.getMessage());
            }
        };
        List<Rejected> listed = new ArrayList<>();
        long lineNo = 0;
        long rejected = 0;
        long sent = 0;
        long bytes = 0;
        long lastReport = 0;
        long start = System.nanoTime();
        PointDecoder decoder = new PointDecoder();
        MutablePoint point = new MutablePoint();
        try (Producer<byte[], byte[]> producer = producer();
             InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            LineReader reader = new LineReader(in);
            byte[] line;
            while ((line = reader.next()) != null) {
                lineNo++;
                bytes += reader.lastLength();
                if (bytes - lastReport >= 1 << 16) {
                    progress.accept(bytes);
                    lastReport = bytes;
                }
                if (blank(line) || lineNo == 1 && format != Format.NDJSON && PointDecoder.isCsvHeader(line)) {
                    continue;
                }
                boolean json = switch (format) {
                    case NDJSON -> true;
                    case CSV -> false;
                    case AUTO -> PointDecoder.isJsonLine(line);
                };
                long now = System.currentTimeMillis();
                try {
                    String sensor = decoder.decodeLine(line, json, now, point);
                    producer.send(new ProducerRecord<>(topic, null, now, sensor.getBytes(StandardCharsets.UTF_8),
                            BinaryPoint.encode(point.timestamp(), point.value())), callback);
                    sent++;
                    pace(sent, start);
                } catch (MalformedPointException e) {
                    rejected++;
                    if (listed.size() < LISTED) {
                        listed.add(new Rejected(lineNo, e.getMessage()));
                    }
                }
            }
            producer.flush();
        } catch (IOException e) {
            throw new UsageException("--file", "cannot read " + file + " (" + e.getMessage() + ")");
        }
        progress.accept(bytes);
        return new Result(lineNo, acked.get(), rejected, listed, failed.get(), error.get());
    }

    private void pace(long sent, long startNanos) {
        if (rate <= 0 || sent % 256 != 0) {
            return;
        }
        long due = startNanos + sent * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** The generator's producer settings: acks=all, idempotence, lz4, large batches. */
    private Producer<byte[], byte[]> producer() {
        return new KafkaProducer<>(kafka.clientProperties(Generator.producerTuning()), new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    /** The format a file name suggests: .ndjson/.jsonl/.json, .csv; else AUTO. */
    public static Format guess(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".ndjson") || name.endsWith(".jsonl") || name.endsWith(".json")) {
            return Format.NDJSON;
        }
        return name.endsWith(".csv") ? Format.CSV : Format.AUTO;
    }

    private static boolean blank(byte[] line) {
        return firstNonBlank(line) == 0;
    }

    private static byte firstNonBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return b;
            }
        }
        return 0;
    }

    /** Lines of a stream as bytes, without the end of line ({@code \n} or {@code \r\n}). */
    static final class LineReader {
        private final InputStream in;
        private byte[] buf = new byte[256];
        private int lastLength;

        LineReader(InputStream in) {
            this.in = in;
        }

        byte[] next() throws IOException {
            int n = 0;
            int b;
            int consumed = 0;
            while ((b = in.read()) >= 0) {
                consumed++;
                if (b == '\n') {
                    break;
                }
                if (n == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, n * 2);
                }
                buf[n++] = (byte) b;
            }
            if (consumed == 0) {
                return null;
            }
            lastLength = consumed;
            if (n > 0 && buf[n - 1] == '\r') {
                n--;
            }
            return java.util.Arrays.copyOf(buf, n);
        }

        int lastLength() {
            return lastLength;
        }
    }
}
