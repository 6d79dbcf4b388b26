package io.kpipe.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kpipe.chaos.ChaosRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The outcome of {@code kpipe run}: what was produced, what came out, and the reconciliation.
 * {@code lost}, {@code duplicated} and {@code windows_wrong} are the {@link Books}, the one
 * reconciliation of kpipe run and the benchmarks: per sensor and window, the final count plus the
 * points set aside must equal the points acknowledged ({@link KeyCheck}), and the invalid points
 * acknowledged must be in the dead-letter topic; a shortfall is {@code lost}, an excess
 * {@code duplicated}. {@code dlq} counts the dead letters other than {@code late} ones: invalid
 * points, processing errors, and the future and overflow ones of {@link SetAside}.
 */
public record RunSummary(
        @JsonProperty("produced") long produced,
        @JsonProperty("produced_valid") long producedValid,
        @JsonProperty("produced_invalid") long producedInvalid,
        @JsonProperty("send_failed") long sendFailed,
        @JsonProperty("aggregated") long aggregated,
        @JsonProperty("windows") long windows,
        @JsonProperty("dlq") long dlq,
        @JsonProperty("late") long late,
        @JsonProperty("lost") long lost,
        @JsonProperty("duplicated") long duplicated,
        @JsonProperty("windows_wrong") long windowsWrong,
        @JsonProperty("drained") boolean drained,
        @JsonProperty("duration_s") double durationS,
        @JsonProperty("throughput_per_s") double throughputPerS,
        @JsonProperty("latency_ms") Latency latencyMs,
        @JsonProperty("brokers") int brokers,
        @JsonProperty("partitions") int partitions,
        @JsonProperty("guarantee") String guarantee,
        @JsonProperty("threads") int threads,
        @JsonProperty("sensors") int sensors,
        @JsonProperty("rate_target") String rateTarget,
        @JsonProperty("processors") int processors,
        @JsonProperty("standbys") int standbys,
        @JsonProperty("chaos") List<ChaosRunner.Done> chaos,
        @JsonProperty("alerts") long alerts,
        @JsonProperty("ingested") long ingested,
        @JsonUnwrapped SetAside setAside,
        @JsonUnwrapped Pace pace,
        @JsonUnwrapped Sink sink,
        @JsonUnwrapped Emitted emitted) {

    /**
     * What the processor emitted ({@code --emit}): under {@code final} the windows still open at the
     * end are in its state, not on {@code points-agg-1m}: {@code openWindows} of them with
     * {@code openAggregated} points (included in {@code windows} and {@code aggregated}, read from the
     * state's changelog), and {@code emittedTwice} windows had more than one record on the topic
     * (under exactly-once it must be 0). Under {@code updates} all three are 0.
     */
    public record Emitted(@JsonProperty("emit") String emit,
                          @JsonProperty("open_windows") long openWindows,
                          @JsonProperty("open_aggregated") long openAggregated,
                          @JsonProperty("windows_emitted_twice") long emittedTwice) {
        public static final Emitted UPDATES = new Emitted("updates", 0, 0, 0);
    }

    /**
     * How the run went in time: the second its {@link SteadyState steady state} began (counted from
     * the start of sending; null: never), the latency percentiles from then on (null: never steady),
     * and the share of the whole machine's CPU that was busy while the generator sent (null: no
     * {@code /proc/stat}); what was left is the run's headroom. {@code generatorNotSent}: points the
     * generator's schedule owed at the end that it had not sent (it catches up at most 10% above the
     * rate, never in a burst); null when not known.
     */
    public record Pace(@JsonProperty("steady_from_s") Long steadyFromS,
                       @JsonProperty("latency_steady_ms") Latency latencySteadyMs,
                       @JsonProperty("machine_cpu_busy") Double machineCpuBusy,
                       @JsonProperty("generator_not_sent") Long generatorNotSent) {
        public static final Pace UNKNOWN = new Pace(null, null, null, null);
    }

    /**
     * Dead letters beyond invalid ones (included in {@code dlq}, as invalid ones are; late ones are
     * counted apart, in {@code late}), and the records other producers wrote to {@code points}
     * ({@link Books}).
     */
    public record SetAside(@JsonProperty("future") long future,
                           @JsonProperty("overflow") long overflow,
                           @JsonProperty("external") long external) {
        public static final SetAside NONE = new SetAside(0, 0, 0);
    }

    /**
     * What the PostgreSQL sink's tables hold at the end: {@code rows} windows whose counts add up to
     * {@code countSum}; {@code rowsWritten} counts every upsert (a window is rewritten at each of its
     * updates). {@code rejected} records went to {@code sink_rejects} instead ({@link SinkBooks}):
     * {@code rejectedWindows} distinct windows whose final counts add up to {@code rejectedCountSum},
     * and {@code rejectedAlerts} alerts. Rows and rejects together must account for every window,
     * every aggregated point and every alert.
     */
    public record Sink(@JsonProperty("sink_rows") long rows,
                       @JsonProperty("sink_count_sum") long countSum,
                       @JsonProperty("sink_alerts") long alerts,
                       @JsonProperty("sink_rows_written") long rowsWritten,
                       @JsonProperty("sink_rejected") long rejected,
                       @JsonProperty("sink_rejected_windows") long rejectedWindows,
                       @JsonProperty("sink_rejected_count_sum") long rejectedCountSum,
                       @JsonProperty("sink_rejected_alerts") long rejectedAlerts) {

        /** Rows and rejects together account for every window, aggregated point and alert on the topics. */
        public boolean accountsFor(long windows, long aggregated, long alerts) {
            return rows + rejectedWindows == windows && countSum + rejectedCountSum == aggregated
                    && this.alerts + rejectedAlerts == alerts;
        }
    }

    /** Percentiles of the time from a point's send to its aggregation, in milliseconds. */
    public record Latency(@JsonProperty("p50") long p50, @JsonProperty("p99") long p99,
                          @JsonProperty("p999") long p999, @JsonProperty("max") long max) {}

    public boolean ok() {
        return lost == 0 && duplicated == 0 && sinkOk() && onceEach();
    }

    /** Under final mode and exactly-once, each window reached points-agg-1m at most once. */
    public boolean onceEach() {
        return emitted.emittedTwice() == 0 || !guarantee.equals("exactly_once_v2");
    }

    /**
     * With a sink: its table holds every window, with the aggregated counts, and every alert, except
     * those it rejected, which {@code sink_rejects} holds.
     */
    public boolean sinkOk() {
        // The sink sees the topic: windows still open in the processor's state (final mode) are not on it yet.
        return sink == null || sink.accountsFor(windows - emitted.openWindows(), aggregated - emitted.openAggregated(),
                alerts);
    }

    public void writeJson(Path file) {
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The human summary, a few lines. */
    public String describe() {
        return String.format(Locale.ROOT, """
                kpipe run: %,d points in %.1f s = %,.0f points/s end to end (%s, %d broker(s), %d partitions, %d thread(s)%s)
                  produced    %,d (valid %,d, invalid %,d); send failed %,d%s%s
                  output      %,d aggregated in %,d windows; late %,d; dead letters %,d%s%s%s
                  alerts      %,d%s%s
                  latency     p50 %d ms, p99 %d ms, p99.9 %d ms, max %d ms (sent -> aggregated)
                  steady      %s
                  headroom    %s
                  lost %,d, duplicated %,d (windows checked one by one: %,d wrong): %s""",
                aggregated + late + dlq, durationS, throughputPerS, guarantee, brokers, partitions, threads,
                processors == 0 ? "" : " in each of " + processors + " processor processes",
                produced, producedValid, producedInvalid, sendFailed,
                pace.generatorNotSent() == null || pace.generatorNotSent() == 0 ? "" : String.format(Locale.ROOT,
                        "; behind schedule at the end, not sent %,d (the generator catches up at most 10%% above the rate)", pace.generatorNotSent()),
                ingested == 0 ? "" : String.format(Locale.ROOT, "; ingested over HTTP %,d", ingested),
                aggregated, windows, late, dlq, setAside.equals(SetAside.NONE) ? "" : String.format(Locale.ROOT,
                        " (of them future %,d, overflow %,d); records from other producers %,d",
                        setAside.future(), setAside.overflow(), setAside.external()),
                drained ? "" : " (NOT DRAINED: the processor or the sink did not catch up)",
                emittedLine(),
                alerts, sink == null ? "" : String.format(Locale.ROOT,
                        "; PostgreSQL: %,d windows with counts summing to %,d, %,d alerts%s", sink.rows(), sink.countSum(),
                        sink.alerts(), sinkOk() ? " (exact)" : " (NOT EXACT)"),
                sink == null ? "" : String.format(Locale.ROOT, "%n  sink        sink_rejected %,d (%,d windows with counts "
                        + "summing to %,d, %,d alerts; in the table sink_rejects)", sink.rejected(), sink.rejectedWindows(),
                        sink.rejectedCountSum(), sink.rejectedAlerts()),
                latencyMs.p50(), latencyMs.p99(), latencyMs.p999(), latencyMs.max(), steadyLine(), headroomLine(),
                lost, duplicated, windowsWrong, ok() ? "OK" : "FAILED");
    }

    private String emittedLine() {
        if (emitted.emit().equals("updates")) {
            return "";
        }
        return String.format(Locale.ROOT, "%n  emit        final: %,d windows on points-agg-1m, each once%s; %,d windows "
                        + "(%,d points) still open at the end, read from the processor's state", windows - emitted.openWindows(),
                emitted.emittedTwice() == 0 ? "" : String.format(Locale.ROOT, " (NOT ONCE: %,d windows emitted twice)",
                        emitted.emittedTwice()),
                emitted.openWindows(), emitted.openAggregated());
    }

    private String steadyLine() {
        if (pace.steadyFromS() == null) {
            return String.format(Locale.ROOT, "never (lag under 1 s of data and p99 under %d ms for %d s in a row)",
                    SteadyState.P99_MS, SteadyState.HOLD_S);
        }
        Latency l = pace.latencySteadyMs();
        return String.format(Locale.ROOT, "from %d s: p50 %d ms, p99 %d ms, p99.9 %d ms, max %d ms",
                pace.steadyFromS(), l.p50(), l.p99(), l.p999(), l.max());
    }

    private String headroomLine() {
        Double busy = pace.machineCpuBusy();
        return busy == null ? "unknown (no /proc/stat)" : String.format(Locale.ROOT,
                "the machine's CPU was %.0f%% busy while sending: %.0f%% left", busy * 100, (1 - busy) * 100);
    }

    /** A builder: every count named at the call site. All are required but {@code sink} (none). */
    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private Long produced;
        private Long producedValid;
        private Long producedInvalid;
        private Long sendFailed;
        private Long aggregated;
        private Long windows;
        private Long dlq;
        private Long late;
        private Long lost;
        private Long duplicated;
        private Long windowsWrong;
        private Boolean drained;
        private Double durationS;
        private Double throughputPerS;
        private Latency latencyMs;
        private Integer brokers;
        private Integer partitions;
        private String guarantee;
        private Integer threads;
        private Integer sensors;
        private String rateTarget;
        private Integer processors;
        private Integer standbys;
        private List<ChaosRunner.Done> chaos;
        private Long alerts;
        private Long ingested;
        private SetAside setAside;
        private Pace pace = Pace.UNKNOWN;
        private Sink sink;
        private Emitted emitted = Emitted.UPDATES;

        private Builder() {}

        public Builder produced(long produced) {
            this.produced = produced;
            return this;
        }

        public Builder producedValid(long producedValid) {
            this.producedValid = producedValid;
            return this;
        }

        public Builder producedInvalid(long producedInvalid) {
            this.producedInvalid = producedInvalid;
            return this;
        }

        public Builder sendFailed(long sendFailed) {
            this.sendFailed = sendFailed;
            return this;
        }

        public Builder aggregated(long aggregated) {
            this.aggregated = aggregated;
            return this;
        }

        public Builder windows(long windows) {
            this.windows = windows;
            return this;
        }

        public Builder dlq(long dlq) {
            this.dlq = dlq;
            return this;
        }

        public Builder late(long late) {
            this.late = late;
            return this;
        }

        public Builder lost(long lost) {
            this.lost = lost;
            return this;
        }

        public Builder duplicated(long duplicated) {
            this.duplicated = duplicated;
            return this;
        }

        public Builder windowsWrong(long windowsWrong) {
            this.windowsWrong = windowsWrong;
            return this;
        }

        public Builder drained(boolean drained) {
            this.drained = drained;
            return this;
        }

        public Builder durationS(double durationS) {
            this.durationS = durationS;
            return this;
        }

        public Builder throughputPerS(double throughputPerS) {
            this.throughputPerS = throughputPerS;
            return this;
        }

        public Builder latencyMs(Latency latencyMs) {
            this.latencyMs = latencyMs;
            return this;
        }

        public Builder brokers(int brokers) {
            this.brokers = brokers;
            return this;
        }

        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        public Builder guarantee(String guarantee) {
            this.guarantee = guarantee;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder sensors(int sensors) {
            this.sensors = sensors;
            return this;
        }

        public Builder rateTarget(String rateTarget) {
            this.rateTarget = rateTarget;
            return this;
        }

        public Builder processors(int processors) {
            this.processors = processors;
            return this;
        }

        public Builder standbys(int standbys) {
            this.standbys = standbys;
            return this;
        }

        public Builder chaos(List<ChaosRunner.Done> chaos) {
            this.chaos = chaos;
            return this;
        }

        public Builder alerts(long alerts) {
            this.alerts = alerts;
            return this;
        }

        public Builder ingested(long ingested) {
            this.ingested = ingested;
            return this;
        }

        public Builder setAside(SetAside setAside) {
            this.setAside = setAside;
            return this;
        }

        /** Steady state and headroom; not set: {@link Pace#UNKNOWN}. */
        public Builder pace(Pace pace) {
            this.pace = Objects.requireNonNull(pace, "pace");
            return this;
        }

        /** What the sink's tables hold; not set (null): the run had no sink. */
        public Builder sink(Sink sink) {
            this.sink = sink;
            return this;
        }

        /** What the processor emitted; not set: {@link Emitted#UPDATES}. */
        public Builder emitted(Emitted emitted) {
            this.emitted = Objects.requireNonNull(emitted, "emitted");
            return this;
        }

        public RunSummary build() {
            return new RunSummary(required(produced, "produced"), required(producedValid, "producedValid"),
                    required(producedInvalid, "producedInvalid"), required(sendFailed, "sendFailed"),
                    required(aggregated, "aggregated"), required(windows, "windows"), required(dlq, "dlq"),
                    required(late, "late"), required(lost, "lost"), required(duplicated, "duplicated"),
                    required(windowsWrong, "windowsWrong"), required(drained, "drained"),
                    required(durationS, "durationS"), required(throughputPerS, "throughputPerS"),
                    required(latencyMs, "latencyMs"), required(brokers, "brokers"), required(partitions, "partitions"),
                    required(guarantee, "guarantee"), required(threads, "threads"), required(sensors, "sensors"),
                    required(rateTarget, "rateTarget"), required(processors, "processors"),
                    required(standbys, "standbys"), required(chaos, "chaos"), required(alerts, "alerts"),
                    required(ingested, "ingested"), required(setAside, "setAside"), pace, sink, emitted);
        }

        private static <T> T required(T value, String name) {
            return Objects.requireNonNull(value, () -> "RunSummary.builder(): " + name + " is required");
        }
    }
}
