package io.kpipe.chaos;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.kpipe.config.ChaosEvent;
import io.kpipe.config.Durations;
import io.kpipe.config.UsageException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Carries out a {@code --chaos} schedule against a run's brokers and processors, on a thread of
 * its own, timed from the start of the generator. Each event is printed as it happens and kept
 * for the summary. A pause is SIGSTOP, and SIGCONT once its time is up. With {@code --hosts}, a
 * partition cuts the link of the target's host, and restores it once its time is up (a
 * {@code heal-broker} or {@code heal-processor} line); a split puts one broker (and, with two or more
 * processors, processor 1) on one side of the network and everything else (the other brokers and
 * processors, and kpipe itself: generator, sink, books) on the other, and joins them again
 * ({@code heal-split}).
 *
 * <p>Without an id: {@code kill-broker}, {@code pause-broker}, {@code partition-broker} and
 * {@code split-brokers} pick the leader of partition 0 of {@code points} (a broker that matters);
 * {@code partition-processor} the processor that owns the most partitions of {@code points};
 * {@code restart-broker} and {@code restart-processor} the one killed last; {@code kill-processor}
 * processor 1.
 */
public final class ChaosRunner implements AutoCloseable {

    /** What the runner acts on. Methods return the PID acted on. */
    public interface Targets {
        int leaderOfFirstPartition();

        long killBroker(int id);

        long restartBroker(int id);

        long pauseBroker(int id);

        long resumeBroker(int id);

        long killProcessor(int id);

        long restartProcessor(int id);

        /** The processor that owns the most partitions of points (the lowest id of a tie). */
        default int processorOwningMostPartitions() {
            throw new UnsupportedOperationException("needs processors on hosts (--hosts)");
        }

        /** Cuts broker {@code id}'s host off the network. */
        default long partitionBroker(int id) {
            throw new UnsupportedOperationException("needs --hosts");
        }

        default long healBroker(int id) {
            throw new UnsupportedOperationException("needs --hosts");
        }

        /** Cuts processor {@code id}'s host off the network. */
        default long partitionProcessor(int id) {
            throw new UnsupportedOperationException("needs --hosts");
        }

        default long healProcessor(int id) {
            throw new UnsupportedOperationException("needs --hosts");
        }

        /** Splits the network: broker {@code id} (and processor 1 of two or more) on one side, the rest on the other. */
        default long splitBrokers(int id) {
            throw new UnsupportedOperationException("needs --hosts");
        }

        default long healSplit(int id) {
            throw new UnsupportedOperationException("needs --hosts");
        }
    }

    /** One event as it was carried out: when (seconds from the start), on which target, the PID. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Done(@JsonProperty("event") String event,
                       @JsonProperty("action") String action,
                       @JsonProperty("target") int target,
                       @JsonProperty("at_s") double atS,
                       @JsonProperty("pid") long pid,
                       @JsonProperty("error") String error,
                       @JsonProperty("recovered_after_s") Double recoveredAfterS) {
        public Done withRecovery(Double seconds) {
            return new Done(event, action, target, atS, pid, error, seconds);
        }

        /** The end of a fault that lasts (a resume or a heal): printed, not listed in the summary. */
        boolean isResume() {
            return UNDO.containsValue(action);
        }
    }

    /** What ends each fault that lasts, by the action it ends. */
    private static final java.util.Map<ChaosEvent.Action, String> UNDO = java.util.Map.of(
            ChaosEvent.Action.PAUSE_BROKER, "resume-broker",
            ChaosEvent.Action.PARTITION_BROKER, "heal-broker",
            ChaosEvent.Action.PARTITION_PROCESSOR, "heal-processor",
            ChaosEvent.Action.SPLIT_BROKERS, "heal-split");

    private final List<ChaosEvent> events;
    private final Targets targets;
    private final PrintWriter out;
    private final List<Done> done = new ArrayList<>();
    private Thread thread;
    private volatile boolean stopped;

    public ChaosRunner(List<ChaosEvent> events, Targets targets, PrintWriter out) {
        this.events = List.copyOf(events);
        this.targets = targets;
        this.out = out;
    }

    /**
     * Checks a schedule against what the run has, before anything starts.
     *
     * @param brokers     local brokers, or 0 when the cluster is not kpipe's (--bootstrap-servers)
     * @param processors  child processors (--processors), or 0 when the processor runs in-process
     */
    public static void validate(List<ChaosEvent> events, int brokers, int processors, Duration duration) {
        validate(events, brokers, processors, duration, false);
    }

    /**
     * {@link #validate(List, int, int, Duration)} for a run whose brokers and processors are on hosts
     * of their own ({@code hosts}, --hosts) or not: partitions and splits need them.
     */
    public static void validate(List<ChaosEvent> events, int brokers, int processors, Duration duration, boolean hosts) {
        int brokerKills = 0;
        int processorKills = 0;
        for (ChaosEvent e : events) {
            UsageException.require(hosts || !e.action().onHosts(), ChaosSpec.SETTING,
                    "'" + e + "' cuts the network between hosts: it needs --hosts (brokers and processors on hosts of their own)");
            UsageException.require(e.action() != ChaosEvent.Action.SPLIT_BROKERS || brokers >= 2, ChaosSpec.SETTING,
                    "'" + e + "' puts one broker on each side: it needs --brokers 2 or more");
            if (!e.action().onProcessor()) {
                UsageException.require(brokers > 0, ChaosSpec.SETTING,
                        "'" + e + "' needs kpipe's own brokers; it cannot act on --bootstrap-servers");
                UsageException.require(e.target() == null || e.target() <= brokers, ChaosSpec.SETTING,
                        "'" + e + "': there are brokers 1.." + brokers);
            } else {
                UsageException.require(processors > 0, ChaosSpec.SETTING,
                        "'" + e + "' needs processors in their own processes: add --processors N");
                UsageException.require(e.target() == null || e.target() <= processors, ChaosSpec.SETTING,
                        "'" + e + "': there are processors 1.." + processors);
            }
            UsageException.require(e.at().compareTo(duration) < 0, ChaosSpec.SETTING,
                    "'" + e + "' is not within --duration " + Durations.format(duration));
            switch (e.action()) {
                case KILL_BROKER -> brokerKills++;
                case KILL_PROCESSOR -> processorKills++;
                case RESTART_BROKER -> UsageException.require(brokerKills-- > 0, ChaosSpec.SETTING,
                        "'" + e + "': no broker has been killed before it");
                case RESTART_PROCESSOR -> UsageException.require(processorKills-- > 0, ChaosSpec.SETTING,
                        "'" + e + "': no processor has been killed before it");
                default -> { }
            }
        }
    }

    /** Starts the schedule; times count from {@code startNanos} ({@link System#nanoTime()}). */
    public ChaosRunner start(long startNanos) {
        thread = new Thread(() -> run(startNanos), "kpipe-chaos");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** An event to carry out, or ({@code event} null) the end of the fault {@code undoing} on {@code undoTarget}. */
    private record Step(Duration at, ChaosEvent event, ChaosEvent undoing, int undoTarget) {}

    private void run(long startNanos) {
        List<Step> steps = new ArrayList<>();
        events.forEach(e -> steps.add(new Step(e.at(), e, null, 0)));
        List<Integer> killedBrokers = new ArrayList<>();
        List<Integer> killedProcessors = new ArrayList<>();
        while (!steps.isEmpty() && !stopped) {
            steps.sort(Comparator.comparing(Step::at));
            Step step = steps.remove(0);
            long waitNanos = startNanos + step.at().toNanos() - System.nanoTime();
            if (waitNanos > 0) {
                try {
                    Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            }
            double atS = Math.round((System.nanoTime() - startNanos) / 1e8) / 10.0;
            if (step.event() == null) {
                undo(step.undoing(), step.undoTarget(), atS);
                continue;
            }
            ChaosEvent e = step.event();
            Outcome picked = attempt(() -> target(e, killedBrokers, killedProcessors));
            if (picked.error() != null) {
                record(new Done(e.toString(), e.action().spec(), 0, atS, -1, picked.error(), null));
                continue;
            }
            int target = (int) picked.pid();
            Outcome outcome = attempt(() -> switch (e.action()) {
                case KILL_BROKER -> targets.killBroker(target);
                case RESTART_BROKER -> targets.restartBroker(target);
                case PAUSE_BROKER -> targets.pauseBroker(target);
                case KILL_PROCESSOR -> targets.killProcessor(target);
                case RESTART_PROCESSOR -> targets.restartProcessor(target);
                case PARTITION_BROKER -> targets.partitionBroker(target);
                case PARTITION_PROCESSOR -> targets.partitionProcessor(target);
                case SPLIT_BROKERS -> targets.splitBrokers(target);
            });
            switch (e.action()) {
                case KILL_BROKER -> killedBrokers.add(target);
                case RESTART_BROKER -> killedBrokers.remove(Integer.valueOf(target));
                case KILL_PROCESSOR -> killedProcessors.add(target);
                case RESTART_PROCESSOR -> killedProcessors.remove(Integer.valueOf(target));
                default -> steps.add(new Step(e.at().plus(e.pauseFor()), null, e, target));
            }
            record(new Done(e.toString(), e.action().spec(), target, atS, outcome.pid(), outcome.error(), null));
        }
    }

    /** Whom {@code e} acts on: its id, or the one its action picks. */
    private int target(ChaosEvent e, List<Integer> killedBrokers, List<Integer> killedProcessors) {
        if (e.target() != null) {
            return e.target();
        }
        return switch (e.action()) {
            case KILL_BROKER, PAUSE_BROKER, PARTITION_BROKER, SPLIT_BROKERS -> targets.leaderOfFirstPartition();
            case RESTART_BROKER -> last(killedBrokers);
            case KILL_PROCESSOR -> 1;
            case RESTART_PROCESSOR -> last(killedProcessors);
            case PARTITION_PROCESSOR -> targets.processorOwningMostPartitions();
        };
    }

    /** Ends the fault {@code e} did on {@code target}: a resume or a heal. */
    private void undo(ChaosEvent e, int target, double atS) {
        Outcome o = attempt(() -> switch (e.action()) {
            case PAUSE_BROKER -> targets.resumeBroker(target);
            case PARTITION_BROKER -> targets.healBroker(target);
            case PARTITION_PROCESSOR -> targets.healProcessor(target);
            case SPLIT_BROKERS -> targets.healSplit(target);
            default -> throw new IllegalStateException(e + " does not last");
        });
        String action = UNDO.get(e.action());
        record(new Done(action + ":" + target, action, target, atS, o.pid(), o.error(), null));
    }

    /** What an action did: the PID acted on, or -1 and why it failed. */
    private record Outcome(long pid, String error) {}

    private static Outcome attempt(java.util.function.LongSupplier action) {
        try {
            return new Outcome(action.getAsLong(), null);
        } catch (RuntimeException ex) {
            return new Outcome(-1, ex.getMessage());
        }
    }

    private static int last(List<Integer> killed) {
        return killed.isEmpty() ? 1 : killed.get(killed.size() - 1);
    }

    private void record(Done d) {
        synchronized (done) {
            done.add(d);
        }
        out.printf(Locale.ROOT, "[%6.1fs] chaos: %s -> %s %d%s%n", d.atS(), d.event(),
                d.action().endsWith("processor") ? "processor" : "broker", d.target(),
                d.error() != null ? " FAILED: " + d.error() : " (pid " + d.pid() + ")");
        out.flush();
    }

    /**
     * Waits up to {@code millis} until every event (and every pause's resume) has been carried
     * out; true if they have. The caller checks the run between waits.
     */
    public boolean awaitDone(long millis) throws InterruptedException {
        if (thread != null) {
            thread.join(millis);
            return !thread.isAlive();
        }
        return true;
    }

    /** Events carried out so far, in order, without the resumes of pauses. */
    public List<Done> done() {
        synchronized (done) {
            return done.stream().filter(d -> !d.isResume()).toList();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        if (thread != null) {
            thread.interrupt();
            thread.join(5000);
        }
    }
}
