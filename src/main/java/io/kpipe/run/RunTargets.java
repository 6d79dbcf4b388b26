package io.kpipe.run;

import io.kpipe.chaos.ChaosRunner;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.KafkaConnection;
import io.kpipe.engine.SparkProcessor;
import io.kpipe.hosts.VirtualHosts;
import io.kpipe.topics.Connectivity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;

/**
 * What the chaos events of a run act on: its brokers ({@code cluster}, null with
 * --bootstrap-servers), its child processors ({@code group}, null when the processor runs inside
 * kpipe run), and with --hosts the links of their hosts ({@code hosts}, else null); with --engine spark
 * the Spark JVM ({@code spark}, else null) is the processor killed and restarted.
 */
final class RunTargets implements ChaosRunner.Targets {
    private final KafkaConnection kafka;
    private final String points;
    private final String applicationId;
    private final LocalCluster cluster;
    private final ProcessorGroup group;
    private final VirtualHosts hosts;
    private final SparkProcessor spark;

    RunTargets(KafkaConnection kafka, String points, String applicationId, LocalCluster cluster, ProcessorGroup group,
               VirtualHosts hosts, SparkProcessor spark) {
        this.spark = spark;
        this.kafka = kafka;
        this.points = points;
        this.applicationId = applicationId;
        this.cluster = cluster;
        this.group = group;
        this.hosts = hosts;
    }

    @Override
    public int leaderOfFirstPartition() {
        try (Admin admin = Connectivity.admin(kafka)) {
            return admin.describeTopics(List.of(points)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(points).partitions().get(0).leader().id();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot find the leader of " + points + "-0: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The group's members by the address they connect from, which with --hosts is their host's:
     * the processor on the host whose members own the most partitions of points.
     */
    @Override
    public int processorOwningMostPartitions() {
        Map<String, Integer> owned = new TreeMap<>();
        try (Admin admin = Connectivity.admin(kafka)) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(applicationId)).describedGroups()
                    .get(applicationId).get(30, TimeUnit.SECONDS);
            for (MemberDescription m : d.members()) {
                int n = (int) m.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(points)).count();
                owned.merge(m.host().replaceFirst("^/", ""), n, Integer::sum);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe the group " + applicationId + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        int best = 0;
        int most = -1;
        for (int id = 1; id <= group.size(); id++) {
            int n = owned.getOrDefault(group.host(id).address(), 0);
            if (n > most) {
                best = id;
                most = n;
            }
        }
        return best;
    }

    @Override
    public long killBroker(int id) {
        return cluster.kill(id);
    }

    @Override
    public long restartBroker(int id) {
        return cluster.restart(id);
    }

    @Override
    public long pauseBroker(int id) {
        return cluster.pause(id);
    }

    @Override
    public long resumeBroker(int id) {
        return cluster.resume(id);
    }

    @Override
    public long killProcessor(int id) {
        return spark != null ? spark.kill() : group.kill(id);
    }

    @Override
    public long restartProcessor(int id) {
        return spark != null ? spark.restart() : group.restart(id);
    }

    @Override
    public long partitionBroker(int id) {
        hosts.cut(cluster.broker(id).host());
        return cluster.broker(id).pid();
    }

    @Override
    public long healBroker(int id) {
        hosts.restore(cluster.broker(id).host());
        return cluster.broker(id).pid();
    }

    @Override
    public long partitionProcessor(int id) {
        hosts.cut(group.host(id));
        return group.pid(id);
    }

    @Override
    public long healProcessor(int id) {
        hosts.restore(group.host(id));
        return group.pid(id);
    }

    @Override
    public long splitBrokers(int id) {
        hosts.split(minority(id));
        return cluster.broker(id).pid();
    }

    @Override
    public long healSplit(int id) {
        minority(id).forEach(hosts::restore);
        return cluster.broker(id).pid();
    }

    /** The small side of a split: broker {@code id}, and processor 1 when there are two or more. */
    private List<VirtualHosts.Host> minority(int id) {
        List<VirtualHosts.Host> side = new ArrayList<>(List.of(cluster.broker(id).host()));
        if (group.size() >= 2) {
            side.add(group.host(1));
        }
        return side;
    }
}
