package io.kpipe.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order in which a schedule of faults that last is carried out and undone, and whom it picks. */
class ChaosRunnerTest {
    /** Records every call; the PID of broker N is 1000 + N, of processor N 2000 + N. */
    private static class Recording implements ChaosRunner.Targets {
        final List<String> calls = new ArrayList<>();

        private long call(String what, int id, long pid) {
            synchronized (calls) {
                calls.add(what + " " + id);
            }
            return pid;
        }

        @Override
        public int leaderOfFirstPartition() {
            return 3;
        }

        @Override
        public int processorOwningMostPartitions() {
            return 2;
        }

        @Override
        public long killBroker(int id) {
            return call("kill-broker", id, 1000 + id);
        }

        @Override
        public long restartBroker(int id) {
            return call("restart-broker", id, 1000 + id);
        }

        @Override
        public long pauseBroker(int id) {
            return call("pause-broker", id, 1000 + id);
        }

        @Override
        public long resumeBroker(int id) {
            return call("resume-broker", id, 1000 + id);
        }

        @Override
        public long killProcessor(int id) {
            return call("kill-processor", id, 2000 + id);
        }

        @Override
        public long restartProcessor(int id) {
            return call("restart-processor", id, 2000 + id);
        }

        @Override
        public long partitionBroker(int id) {
            return call("partition-broker", id, 1000 + id);
        }

        @Override
        public long healBroker(int id) {
            return call("heal-broker", id, 1000 + id);
        }

        @Override
        public long partitionProcessor(int id) {
            return call("partition-processor", id, 2000 + id);
        }

        @Override
        public long healProcessor(int id) {
            return call("heal-processor", id, 2000 + id);
        }

        @Override
        public long splitBrokers(int id) {
            return call("split-brokers", id, 1000 + id);
        }

        @Override
        public long healSplit(int id) {
            return call("heal-split", id, 1000 + id);
        }
    }

    @Test
    void shouldUndoEachFaultThatLastsWhenItsTimeIsUpAndListOnlyTheFaults() throws Exception {
        Recording targets = new Recording();
        StringWriter out = new StringWriter();
        try (ChaosRunner runner = new ChaosRunner(ChaosSpec.parse(
                "pause-broker:1@10ms+200ms,partition-broker@20ms+100ms,partition-processor@30ms+300ms,split-brokers:2@40ms+50ms"),
                targets, new PrintWriter(out, true))) {
            runner.start(System.nanoTime());
            while (!runner.awaitDone(1000)) {
                // until every fault has been undone
            }

            assertThat(targets.calls).containsExactly("pause-broker 1", "partition-broker 3", "partition-processor 2",
                    "split-brokers 2", "heal-split 2", "heal-broker 3", "resume-broker 1", "heal-processor 2");
            assertThat(runner.done()).extracting(ChaosRunner.Done::action)
                    .containsExactly("pause-broker", "partition-broker", "partition-processor", "split-brokers");
            assertThat(runner.done()).extracting(ChaosRunner.Done::target).containsExactly(1, 3, 2, 2);
            assertThat(runner.done()).extracting(ChaosRunner.Done::pid).containsExactly(1001L, 1003L, 2002L, 1002L);
        }
        assertThat(out.toString())
                .contains("chaos: partition-processor@30ms+300ms -> processor 2 (pid 2002)")
                .contains("chaos: heal-processor:2 -> processor 2 (pid 2002)")
                .contains("chaos: split-brokers:2@40ms+50ms -> broker 2 (pid 1002)")
                .contains("chaos: heal-split:2 -> broker 2 (pid 1002)")
                .contains("chaos: heal-broker:3 -> broker 3 (pid 1003)")
                .contains("chaos: resume-broker:1 -> broker 1 (pid 1001)");
    }

    @Test
    void shouldRecordAFaultWhoseTargetCannotBeFoundAsFailed() throws Exception {
        ChaosRunner.Targets none = new Recording() {
            @Override
            public int processorOwningMostPartitions() {
                throw new IllegalStateException("cannot describe the group g: timed out");
            }
        };
        StringWriter out = new StringWriter();
        try (ChaosRunner runner = new ChaosRunner(ChaosSpec.parse("partition-processor@10ms+10ms"), none,
                new PrintWriter(out, true))) {
            runner.start(System.nanoTime());
            while (!runner.awaitDone(1000)) {
                // until done
            }
            assertThat(runner.done()).hasSize(1);
            assertThat(runner.done().get(0).error()).isEqualTo("cannot describe the group g: timed out");
            assertThat(runner.done().get(0).pid()).isEqualTo(-1);
        }
        assertThat(out.toString()).contains("chaos: partition-processor@10ms+10ms -> processor 0 FAILED: "
                + "cannot describe the group g: timed out");
    }
}
