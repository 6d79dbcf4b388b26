package io.kpipe.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kpipe.chaos.ChaosSpec;
import io.kpipe.config.ClusterConfig;
import io.kpipe.config.ProcessorConfig.Guarantee;
import io.kpipe.config.RunConfig;
import io.kpipe.config.TopicSettings;
import io.kpipe.hosts.VirtualHosts;
import io.kpipe.run.PipelineRun;
import io.kpipe.run.RunSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code kpipe faults}: the fault-tolerance scenarios, each a {@code kpipe run --chaos} on a fresh
 * local cluster, and a table of what was done and what came out (README, "Fault tolerance"). The
 * network partitions run with {@code --hosts}; where hosts cannot be made they are listed as
 * skipped, with the reason.
 */
public final class FaultSuite {

    /** One scenario: a run's shape and its chaos schedule, with faults at 1/3 of the run. */
    public record Scenario(String name, int brokers, int processors, int standbys, Guarantee guarantee, String chaos,
                           boolean hosts) {
        Scenario(String name, int brokers, int processors, int standbys, Guarantee guarantee, String chaos) {
            this(name, brokers, processors, standbys, guarantee, chaos, false);
        }
    }

    /** The scenarios, for a run of {@code duration} (faults at a third of it). */
    public static List<Scenario> scenarios(Duration duration) {
        long t = duration.toSeconds() / 3;
        Guarantee eos = Guarantee.EXACTLY_ONCE_V2;
        return List.of(
                new Scenario("leader broker killed, restarted 20 s later", 3, 0, 0, eos,
                        "kill-broker@" + t + "s,restart-broker@" + (t + 20) + "s"),
                new Scenario("leader broker frozen for 10 s (SIGSTOP)", 3, 0, 0, eos,
                        "pause-broker@" + t + "s+10s"),
                new Scenario("the only broker frozen for 10 s (SIGSTOP)", 1, 0, 0, eos,
                        "pause-broker@" + t + "s+10s"),
                new Scenario("processor 1 of 2 killed, restarted 15 s later", 1, 2, 0, eos,
                        "kill-processor:1@" + t + "s,restart-processor:1@" + (t + 15) + "s"),
                new Scenario("processor 1 of 2 killed, standby takes over", 1, 2, 1, eos,
                        "kill-processor:1@" + t + "s"),
                new Scenario("processor 1 of 2 killed, restarted 15 s later (at_least_once)", 1, 2, 0,
                        Guarantee.AT_LEAST_ONCE, "kill-processor:1@" + t + "s,restart-processor:1@" + (t + 15) + "s"),
                new Scenario("leader broker's host cut off for 20 s (--hosts)", 3, 2, 0, eos,
                        "partition-broker@" + t + "s+20s", true),
                new Scenario("busiest processor's host cut off for 20 s, past its 10 s session timeout (--hosts)", 3, 2, 0,
                        eos, "partition-processor@" + t + "s+20s", true),
                new Scenario("network split for 20 s: leader broker and processor 1 against the rest (--hosts)", 3, 2, 0,
                        eos, "split-brokers@" + t + "s+20s", true));
    }

    private final long rate;
    private final Duration duration;
    private final Path dir;
    private final PrintWriter out;
    private boolean partitionsOnly;

    public FaultSuite(long rate, Duration duration, Path dir, PrintWriter out) {
        this.rate = rate;
        this.duration = duration;
        this.dir = dir;
        this.out = out;
    }

    /** Only the network partitions ({@code --suite partitions}): the scenarios that run with --hosts. */
    public FaultSuite partitionsOnly(boolean only) {
        this.partitionsOnly = only;
        return this;
    }

    /** Runs every scenario; returns the Markdown table, also written with results.json into the directory. */
    public String run() throws InterruptedException {
        List<Map<String, Object>> results = new ArrayList<>();
        StringBuilder table = new StringBuilder("""
                | scenario | guarantee | faults (time from start) | rate | points | lost | duplicated | windows wrong | time to recover |
                |---|---|---|---|---|---|---|---|---|
                """);
        for (Scenario s : scenarios(duration)) {
            if (partitionsOnly && !s.hosts()) {
                continue;
            }
            out.printf("== %s (%s)%n", s.name(), s.chaos());
            if (s.hosts() && VirtualHosts.missing().isPresent()) {
                String why = "skipped: --hosts " + VirtualHosts.missing().get();
                out.println(why);
                table.append(String.format(Locale.ROOT, "| %s | %s | %s | | | | | | |%n", s.name(),
                        s.guarantee().kafkaName(), why));
                continue;
            }
            RunConfig rc = RunConfig.builder()
                    .cluster(new ClusterConfig(s.brokers(), 0, null, false))
                    .topics(new TopicSettings("", 12, 0))
                    .guarantee(s.guarantee())
                    .threads(2)
                    .duration(duration)
                    .rate(rate)
                    .sensors(10_000)
                    .invalidRatio(0.0001)
                    .drainTimeout(Duration.ofSeconds(180))
                    .processors(s.processors())
                    .standbys(s.standbys())
                    .chaos(ChaosSpec.parse(s.chaos()))
                    .hosts(s.hosts())
                    .httpPort(-1)
                    .build();
            RunSummary r = new PipelineRun(rc, out).execute().summary();
            out.println(r.describe());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scenario", s.name());
            m.put("summary", r);
            results.add(m);
            table.append(String.format(Locale.ROOT, "| %s | %s | %s | %,d/s | %,d | %,d | %,d | %,d | %s |%n",
                    s.name(), s.guarantee().kafkaName(), faults(r), rate, r.produced(), r.lost(), r.duplicated(),
                    r.windowsWrong(), recovery(r)));
        }
        write(results, table.toString());
        return table.toString();
    }

    private static String faults(RunSummary r) {
        return r.chaos().stream().map(d -> String.format(Locale.ROOT, "%s %d at %.1f s%s", d.action(), d.target(), d.atS(),
                d.error() == null ? "" : " (failed: " + d.error() + ")")).collect(Collectors.joining(", "));
    }

    private static String recovery(RunSummary r) {
        return r.chaos().stream().map(d -> d.recoveredAfterS() == null ? "not recovered"
                : String.format(Locale.ROOT, "%.0f s", d.recoveredAfterS())).collect(Collectors.joining(", "));
    }

    private void write(List<Map<String, Object>> results, String table) {
        try {
            Files.createDirectories(dir);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(dir.resolve("results.json").toFile(), results);
            Files.writeString(dir.resolve("table.md"), table);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the results into " + dir, e);
        }
    }
}
