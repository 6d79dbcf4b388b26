package io.kpipe.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.kpipe.config.BenchConfig;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.RunConfig;
import io.kpipe.config.TopicSettings;
import io.kpipe.run.PipelineRun;
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
        @JsonProperty("timeline") List<Sample> timeline) {

    /** Kept up, and nothing lost or duplicated. */
    public boolean passed() {
        return valid && judgement.keptUp();
    }

    /** A trial that could not be completed: failed and invalid, with the error as its reason. */
    static Trial crashed(long rate, Exception e) {
        return new Trial(rate, false, new KeepUp(false, 0, 0, 0, 0, "error: " + e.getMessage()), null, List.of());
    }

    long lost() {
        return summary == null ? 0 : summary.lost();
    }

    long duplicated() {
        return summary == null ? 0 : summary.duplicated();
    }

    static Trial run(BenchConfig c, String bootstrap, String prefix, long rate, Duration duration, PrintWriter out)
            throws InterruptedException {
        RunConfig rc = RunConfig.builder()
                .cluster(ClusterConfig.ofBrokers(c.brokers()))
                .bootstrapServers(bootstrap)
                .topics(new TopicSettings(prefix, c.partitions(), 0))
                .guarantee(c.guarantee())
                .threads(c.threads())
                .duration(duration)
                .rate(rate)
                .sensors(c.sensors())
                .invalidRatio(0.0001)
                .drainTimeout(Duration.ofSeconds(180))
                .warmup(c.warmup())
                .sink(c.sink() ? RunConfig.Sink.EMBEDDED : RunConfig.Sink.OFF)
                .processors(c.processors())
                .chaos(c.chaos())
                .emit(c.emit())
                .httpPort(-1)
                .build();
        PipelineRun.Result r = new PipelineRun(rc, out).execute();
        deleteTopics(bootstrap, prefix);
        KeepUp k = KeepUp.judge(r.timeline(), c.warmup().toSeconds(), duration.toSeconds(), rate);
        return new Trial(rate, r.summary().ok(), k, r.summary(), r.timeline());
    }

    /** Frees the disk between trials: a bench writes tens of millions of points each time. */
    private static void deleteTopics(String bootstrap, String prefix) {
        try (Admin admin = Admin.create(io.kpipe.config.KafkaConnection.of(bootstrap).clientProperties(Map.of()))) {
            var names = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(n -> n.startsWith(prefix)).toList();
            admin.deleteTopics(names).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(Trial.class).warn("could not delete the topics of {}: {}", prefix, e.toString());
        }
    }
}
