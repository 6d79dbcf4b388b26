package io.kpipe.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.kpipe.run.Recovery;
import io.kpipe.run.ResourceSeries;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What {@code kpipe bench --scenario growth} found: one {@link Cell} per combination of sensors,
 * partitions, processors and brokers, in the order they ran.
 */
public record GrowthResult(
        @JsonProperty("scenario") String scenario,
        @JsonProperty("started") String started,
        @JsonProperty("machine") Map<String, Object> machine,
        @JsonProperty("settings") Map<String, Object> settings,
        @JsonProperty("cells") List<Cell> cells) {

    public GrowthResult {
        cells = List.copyOf(cells);
    }

    /** Every trial of every cell reconciled: nothing lost, nothing duplicated, every run's books read. */
    @JsonProperty("valid")
    public boolean valid() {
        return cells.stream().allMatch(Cell::valid);
    }

    @JsonProperty("lost")
    public long lost() {
        return cells.stream().mapToLong(Cell::lost).sum();
    }

    @JsonProperty("duplicated")
    public long duplicated() {
        return cells.stream().mapToLong(Cell::duplicated).sum();
    }

    /**
     * The processors' heap per open window of {@code cell}, in bytes: the growth of their live heap
     * from the cell with the fewest sensors and otherwise the same settings, divided by the growth in
     * sensors. Each sensor of the generator sends every few seconds, so in a steady state each has one
     * open window (two in the grace after a minute's end): the slope is the heap one open window
     * costs, with what does not grow with the sensors (the JVM, the clients' buffers) taken out.
     * Null for that cell itself, and where either has no live heap.
     */
    public Double heapPerOpenWindow(Cell cell) {
        if (cell.probe().liveHeapBytes() == null) {
            return null;
        }
        Cell base = cells.stream()
                .filter(c -> c.partitions() == cell.partitions() && c.processors() == cell.processors()
                        && c.brokers() == cell.brokers() && c.probe().liveHeapBytes() != null)
                .min(Comparator.comparingInt(Cell::sensors)).orElse(null);
        if (base == null || base.sensors() >= cell.sensors()) {
            return null;
        }
        return (double) (cell.probe().liveHeapBytes() - base.probe().liveHeapBytes()) / (cell.sensors() - base.sensors());
    }

    /**
     * One cell of the grid. {@code max}: the max scenario's search with these settings (its repeats and
     * trials). {@code probe}: a trial at the probe rate with the processors' memory sampled and one
     * processor killed and restarted halfway through the window.
     */
    public record Cell(
            @JsonProperty("sensors") int sensors,
            @JsonProperty("partitions") int partitions,
            @JsonProperty("processors") int processors,
            @JsonProperty("brokers") int brokers,
            @JsonProperty("max") BenchResult max,
            @JsonProperty("probe") Probe probe) {

        /** The highest rate kept up: the median over the max search's repeats; 0 where none was. */
        @JsonProperty("max_points_per_s")
        public double maxPointsPerS() {
            return max.pointsPerS() == null ? 0 : max.pointsPerS().median();
        }

        /**
         * CPU per point at the highest rate kept up, in µs, all processes of the machine (the bench's
         * JVM with the generator and the books, the brokers, the processors): the machine's busy share
         * while sending times its cores, over the rate; the median over the repeats that kept up with
         * a rate. Null where none did or the machine's CPU could not be read.
         */
        @JsonProperty("cpu_us_per_point")
        public Double cpuUsPerPoint() {
            int cores = ((Number) max.machine().getOrDefault("cores", 0)).intValue();
            double[] v = max.repeats().stream().map(Benchmark::deciding)
                    .filter(t -> t != null && t.passed() && t.summary().pace().machineCpuBusy() != null)
                    .mapToDouble(t -> t.summary().pace().machineCpuBusy() * cores * 1e6 / t.rate()).toArray();
            return v.length == 0 || cores == 0 ? null : BenchResult.Stats.of(v).median();
        }

        /** Latency p99 at the highest rate kept up (median over the repeats), ms. */
        @JsonProperty("p99_ms_at_max")
        public Double p99MsAtMax() {
            return max.latencyP99Ms() == null ? null : max.latencyP99Ms().median();
        }

        boolean valid() {
            return max.valid() && probe.trial().valid();
        }

        long lost() {
            return max.lost() + probe.trial().lost();
        }

        long duplicated() {
            return max.duplicated() + probe.trial().duplicated();
        }
    }

    /**
     * The probe of a cell. {@code liveHeapBytes}: the live heap (after a full collection) of the
     * processor JVMs, summed; for each, the median of its samples after the warm-up and before the
     * kill. {@code restoreS}: from the SIGKILL of the last processor until the lag was back within a
     * second of input of where it was before ({@link Recovery}), with the processor restarted
     * {@link Growth#RESTART_AFTER} after the kill: the restarted one (or, with several, the group)
     * rebuilds the killed one's state from the changelog. Null where it had not caught up by the
     * end of sending.
     */
    public record Probe(
            @JsonProperty("rate") long rate,
            @JsonProperty("kill_at_s") long killAtS,
            @JsonProperty("live_heap_bytes") Long liveHeapBytes,
            @JsonProperty("restore_s") Double restoreS,
            @JsonProperty("trial") Trial trial) {

        /** The probe's figures from its trial, which killed a processor at {@code killAtS}. */
        static Probe of(long rate, long killAtS, long warmupS, Trial trial) {
            return new Probe(rate, killAtS, processorsLiveHeap(trial, warmupS, killAtS), restoreS(trial), trial);
        }

        /**
         * When the probe turned steady, seconds from the start (before the kill; its judgement of
         * keeping up counts the kill's backlog, so it is not the probe's verdict); null if never.
         */
        @JsonIgnore
        Long steadyFromS() {
            return trial.summary() == null ? null : trial.summary().pace().steadyFromS();
        }

        static Long processorsLiveHeap(Trial trial, long fromS, long beforeS) {
            if (trial.soak() == null) {
                return null;
            }
            ResourceSeries r = trial.soak().resources();
            long sum = 0;
            int jvms = 0;
            for (var e : r.jvms().entrySet()) {
                if (!e.getKey().startsWith("processor-")) {
                    continue;
                }
                List<Long> live = new ArrayList<>();
                for (int i = 0; i < r.tS().size(); i++) {
                    Long v = e.getValue().liveBytes().get(i);
                    long t = r.tS().get(i);
                    if (v != null && t >= fromS && t < beforeS) {
                        live.add(v);
                    }
                }
                if (live.isEmpty()) {
                    return null;
                }
                sum += (long) BenchResult.Stats.of(live.stream().mapToDouble(Long::doubleValue).toArray()).median();
                jvms++;
            }
            return jvms == 0 ? null : sum;
        }

        /**
         * From the kill to the end of the last second whose lag was more than a second of input above
         * the lag just before the kill, through the restart; null if the lag was still above it at the
         * last sample of the run, or the kill failed.
         */
        static Double restoreS(Trial trial) {
            if (trial.summary() == null) {
                return null;
            }
            return trial.summary().chaos().stream().filter(d -> "kill-processor".equals(d.action()) && d.error() == null)
                    .findFirst().map(d -> Recovery.recoveredAfter(d.atS(), Double.MAX_VALUE, trial.timeline(), null))
                    .orElse(null);
        }
    }
}
