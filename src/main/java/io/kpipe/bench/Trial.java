package io.kpipe.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.BenchConfig;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.RunConfig;
import io.kpipe.config.TopicSettings;
import io.kpipe.run.PipelineRun;
import io.kpipe.run.ResourceSampler;
import io.kpipe.run.RunSummary;
import io.kpipe.run.Sample;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/** One run of the whole pipeline at one rate on a running cluster, judged and then cleaned up. */
public record Trial(
        @JsonProperty("rate") long rate,
        @JsonProperty("valid") boolean valid,
        @JsonProperty("judgement") KeepUp judgement,
        @JsonProperty("summary") RunSummary summary,
        @JsonProperty("timeline") List<Sample> timeline,
        @JsonProperty("soak") @JsonInclude(JsonInclude.Include.NON_NULL) Soak soak) {

    /** Kept up, and nothing lost or duplicated. */
    public boolean passed() {
        return valid && judgement.keptUp();
    }

    /** A trial that could not be completed: failed and invalid, with the error as its reason. */
    static Trial crashed(long rate, Exception e) {
        return new Trial(rate, false, new KeepUp(false, 0, 0, 0, 0, "error: " + e.getMessage()), null, List.of(), null);
    }

    /**
     * Whether the run's processor (and sink) caught up before the books were read; true for a trial
     * that crashed (it has no books: its reason says why).
     */
    boolean drained() {
        return summary == null || summary.drained();
    }

    long lost() {
        return summary == null ? 0 : summary.lost();
    }

    long duplicated() {
        return summary == null ? 0 : summary.duplicated();
    }

    static Trial run(BenchConfig c, LocalCluster cluster, String prefix, long rate, Duration duration, PrintWriter out)
            throws InterruptedException {
        return run(c, cluster, prefix, rate, duration, out, c.engine(), c.processors());
    }

    /** {@link #run} on the engine given, with {@code processors} processor JVMs (the engines scenario's). */
    static Trial run(BenchConfig c, LocalCluster cluster, String prefix, long rate, Duration duration, PrintWriter out,
                     io.kpipe.config.Engine engine, int processors) throws InterruptedException {
        PipelineRun.Result r = new PipelineRun(runConfig(c, cluster.bootstrapServers(), prefix, rate, duration, engine,
                processors), out).onCluster(cluster).execute();
        deleteTopics(cluster, prefix);
        KeepUp k = KeepUp.judge(r.timeline(), c.warmup().toSeconds(), duration.toSeconds(), rate);
        return new Trial(rate, r.summary().ok(), k, r.summary(), r.timeline(), null);
    }

    /**
     * A soak: {@link #run} at {@code c.rate()} for {@code c.duration()}, with the resources of every JVM
     * of the run and the brokers' disk sampled throughout, and the {@link SoakVerdict criteria} judged.
     * A run that dies keeps what was sampled until then, judged.
     */
    static Trial soak(BenchConfig c, LocalCluster cluster, String prefix, PrintWriter out) throws InterruptedException {
        String bootstrap = cluster.bootstrapServers();
        long durationS = c.duration().toSeconds();
        try (ResourceSampler sampler = Soak.sampler(cluster, durationS)) {
            PipelineRun.Result r;
            try {
                r = new PipelineRun(runConfig(c, bootstrap, prefix, c.rate(), c.duration()), out).onCluster(cluster)
                        .sampler(sampler).execute();
            } catch (RuntimeException e) {
                sampler.close();
                Trial t = crashed(c.rate(), e);
                List<SoakVerdict.Criterion> v = SoakVerdict.judge(null, List.of(), sampler.series(), durationS,
                        c.warmup().toSeconds());
                return new Trial(t.rate(), false, t.judgement(), null, List.of(),
                        new Soak(sampler.series(), List.of(), v, SoakVerdict.passed(v)));
            }
            deleteTopics(cluster, prefix);
            KeepUp k = KeepUp.judge(r.timeline(), c.warmup().toSeconds(), durationS, c.rate());
            List<SoakVerdict.Criterion> v = SoakVerdict.judge(r.summary(), r.minutes(), sampler.series(), durationS,
                    c.warmup().toSeconds());
            return new Trial(c.rate(), r.summary().ok(), k, r.summary(), r.timeline(),
                    new Soak(sampler.series(), r.minutes(), v, SoakVerdict.passed(v)));
        }
    }

    /** The trial's verdict on a run that completed: kept up over the window after the warm-up, and reconciled. */
    static Trial judged(BenchConfig c, PipelineRun.Result r, long rate, Duration duration) {
        KeepUp k = KeepUp.judge(r.timeline(), c.warmup().toSeconds(), duration.toSeconds(), rate);
        return new Trial(rate, r.summary().ok(), k, r.summary(), r.timeline(), null);
    }

    private static RunConfig runConfig(BenchConfig c, String bootstrap, String prefix, long rate, Duration duration) {
        return runConfig(c, bootstrap, prefix, rate, duration, c.engine(), c.processors());
    }

    /** The run of one trial, with the engine and the processor JVMs given (the engines scenario sets them per engine). */
    static RunConfig runConfig(BenchConfig c, String bootstrap, String prefix, long rate, Duration duration,
                               io.kpipe.config.Engine engine, int processors) {
        return runConfig(c, bootstrap, prefix, rate, duration, engine, processors, DRAIN_TIMEOUT);
    }

    /** How long a trial's processor may take to catch up after the generator stopped, unless told otherwise. */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(180);

    static RunConfig runConfig(BenchConfig c, String bootstrap, String prefix, long rate, Duration duration,
                               io.kpipe.config.Engine engine, int processors, Duration drainTimeout) {
        return RunConfig.builder()
                .cluster(ClusterConfig.ofBrokers(c.brokers()))
                .bootstrapServers(bootstrap)
                .topics(new TopicSettings(prefix, c.partitions(), 0, c.retention()))
                .guarantee(c.guarantee())
                .threads(c.threads())
                .duration(duration)
                .rate(rate)
                .sensors(c.sensors())
                .invalidRatio(0.0001)
                .drainTimeout(drainTimeout)
                .warmup(c.warmup())
                .sink(c.sink() ? RunConfig.Sink.EMBEDDED : RunConfig.Sink.OFF)
                .processors(processors)
                .engine(engine)
                .chaos(c.chaos())
                .emit(c.emit())
                .httpPort(-1)
                .build();
    }

    /** Frees the disk between trials: a bench writes tens of millions of points each time. */
    static void deleteTopics(LocalCluster cluster, String prefix) {
        try (Admin admin = Admin.create(cluster.connections(Map.of()).admin().clientProperties(Map.of()))) {
            var names = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(n -> n.startsWith(prefix)).toList();
            admin.deleteTopics(names).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(Trial.class).warn("could not delete the topics of {}: {}", prefix, e.toString());
        }
    }
}
