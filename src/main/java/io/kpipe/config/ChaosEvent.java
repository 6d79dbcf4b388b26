package io.kpipe.config;

import java.time.Duration;

/**
 * One fault to inject into a run: {@code action} on the broker or processor {@code target}
 * (null: the first one, or the one a kill chose) at {@code at} from the start; {@code pauseFor} only
 * for {@link Action#PAUSE_BROKER}.
 */
public record ChaosEvent(Action action, Integer target, Duration at, Duration pauseFor) {

    /** What to do. Kills are SIGKILL; a pause is SIGSTOP, then SIGCONT after the pause. */
    public enum Action {
        KILL_BROKER("kill-broker"),
        RESTART_BROKER("restart-broker"),
        KILL_PROCESSOR("kill-processor"),
        RESTART_PROCESSOR("restart-processor"),
        PAUSE_BROKER("pause-broker");

        private final String spec;

        Action(String spec) {
            this.spec = spec;
        }

        public String spec() {
            return spec;
        }
    }

    @Override
    public String toString() {
        return action.spec() + (target == null ? "" : ":" + target) + "@" + io.kpipe.config.Durations.format(at)
                + (pauseFor == null ? "" : "+" + io.kpipe.config.Durations.format(pauseFor));
    }
}
