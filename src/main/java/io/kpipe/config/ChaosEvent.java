package io.kpipe.config;

import java.time.Duration;

/**
 * One fault to inject into a run: {@code action} on the broker or processor {@code target}
 * (null: the one the action picks, see {@code chaos.ChaosRunner}) at {@code at} from the start;
 * {@code pauseFor}, how long the fault lasts, only for the actions that {@link Action#lasts()}.
 */
public record ChaosEvent(Action action, Integer target, Duration at, Duration pauseFor) {

    /**
     * What to do. Kills are SIGKILL; a pause is SIGSTOP, then SIGCONT after the pause. A partition
     * cuts a host's link for the length given, a split divides the network in two for it
     * ({@code --hosts} only).
     */
    public enum Action {
        KILL_BROKER("kill-broker", false),
        RESTART_BROKER("restart-broker", false),
        KILL_PROCESSOR("kill-processor", false),
        RESTART_PROCESSOR("restart-processor", false),
        PAUSE_BROKER("pause-broker", true),
        PARTITION_BROKER("partition-broker", true),
        PARTITION_PROCESSOR("partition-processor", true),
        SPLIT_BROKERS("split-brokers", true);

        private final String spec;
        private final boolean lasts;

        Action(String spec, boolean lasts) {
            this.spec = spec;
            this.lasts = lasts;
        }

        public String spec() {
            return spec;
        }

        /** Whether it takes a length ({@code @T+D}) and is undone when that is up. */
        public boolean lasts() {
            return lasts;
        }

        /** Whether it cuts links of hosts, so needs {@code --hosts}. */
        public boolean onHosts() {
            return this == PARTITION_BROKER || this == PARTITION_PROCESSOR || this == SPLIT_BROKERS;
        }

        /** Whether it acts on a processor (the others act on a broker). */
        public boolean onProcessor() {
            return this == KILL_PROCESSOR || this == RESTART_PROCESSOR || this == PARTITION_PROCESSOR;
        }
    }

    @Override
    public String toString() {
        return action.spec() + (target == null ? "" : ":" + target) + "@" + io.kpipe.config.Durations.format(at)
                + (pauseFor == null ? "" : "+" + io.kpipe.config.Durations.format(pauseFor));
    }
}
