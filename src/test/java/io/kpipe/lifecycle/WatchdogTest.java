package io.kpipe.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watchdog while kpipe lives: it must end without touching its process when released, and
 * release itself when its process exits (so no watchdog outlives what it guards). What it does
 * when kpipe dies is tested with a real kpipe JVM in ClusterCommandIT and ChaosIT.
 */
@Timeout(60)
class WatchdogTest {
    private Process sleeper;

    @AfterEach
    void stopSleeper() {
        if (sleeper != null) {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void shouldExitWithoutTouchingItsProcessWhenReleased() throws Exception {
        sleeper = new ProcessBuilder("sleep", "300").start();
        Watchdog dog = Watchdog.guard(sleeper.toHandle(), new Watchdog.Ending("TERM", Duration.ZERO, null));
        ProcessHandle shell = ProcessHandle.of(dog.pid()).orElseThrow();

        dog.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> !shell.isAlive());
        assertThat(sleeper.isAlive()).isTrue();
    }

    @Test
    void shouldReleaseItselfWhenItsProcessExits() throws Exception {
        sleeper = new ProcessBuilder("sleep", "300").start();
        Watchdog dog = Watchdog.guard(sleeper.toHandle(), Watchdog.Ending.lifeline(Duration.ofSeconds(5)));
        ProcessHandle shell = ProcessHandle.of(dog.pid()).orElseThrow();

        sleeper.destroyForcibly();

        await().atMost(Duration.ofSeconds(10)).until(() -> !shell.isAlive());
    }
}
