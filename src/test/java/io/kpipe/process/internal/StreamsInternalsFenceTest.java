package io.kpipe.process.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Kafka Streams internals are used in the fence ({@link PreCommitStore}'s package) and nowhere else. */
class StreamsInternalsFenceTest {
    private static final Path SOURCES = Path.of("src", "main", "java");
    private static final Path FENCE = SOURCES.resolve(Path.of("io", "kpipe", "process", "internal"));
    private static final Pattern STREAMS_INTERNALS = Pattern.compile("org\\.apache\\.kafka\\.streams\\.(\\w+\\.)*internals\\.");

    @Test
    void shouldUseKafkaStreamsInternalsOnlyInsideTheFence() throws IOException {
        List<Path> outside;
        try (Stream<Path> files = Files.walk(SOURCES)) {
            outside = files.filter(f -> f.toString().endsWith(".java") && !f.startsWith(FENCE))
                    .filter(StreamsInternalsFenceTest::mentionsStreamsInternals).toList();
        }

        assertThat(outside).as("Kafka Streams internals outside %s: move them behind PreCommitStore", FENCE)
                .isEmpty();
    }

    @Test
    void shouldRecogniseTheInternalsTheFenceUses() {
        assertThat(mentionsStreamsInternals(FENCE.resolve("PreCommitStore.java"))).isTrue();
    }

    private static boolean mentionsStreamsInternals(Path file) {
        try {
            return STREAMS_INTERNALS.matcher(Files.readString(file, StandardCharsets.UTF_8)).find();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
