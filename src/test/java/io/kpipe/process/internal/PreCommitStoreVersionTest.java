package io.kpipe.process.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The commit hook leans on Kafka Streams internals (listed in {@link PreCommitStore}): a Kafka
 * upgrade must fail here, saying what to re-check, rather than change what a commit does unnoticed.
 */
class PreCommitStoreVersionTest {
    @Test
    void shouldRunOnTheKafkaStreamsVersionTheCommitHookWasCheckedAgainst() {
        String running = PreCommitStore.runningVersion();

        assertThat(running).withFailMessage("%s", PreCommitStore.mismatch(running))
                .isEqualTo(PreCommitStore.CHECKED_AGAINST);
    }

    @Test
    void shouldNameWhatToRecheckInOneLineWhenTheVersionDiffers() {
        String message = PreCommitStore.mismatch("9.9.9");

        assertThat(message).contains("Kafka Streams version 9.9.9 is on the classpath",
                "checked against " + PreCommitStore.CHECKED_AGAINST, "CachedStateStore.flushCache()",
                "setCurrentNode", "set CHECKED_AGAINST to 9.9.9").doesNotContain("\n");
    }

    @Test
    void shouldReadTheVersionOfTheKafkaStreamsJar() {
        assertThat(PreCommitStore.runningVersion()).isNotEqualTo("unknown").matches("\\d+\\.\\d+\\.\\d+.*");
    }
}
