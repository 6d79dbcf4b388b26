package io.kpipe.jmh;

import io.kpipe.model.Aggregate;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The aggregator's update of a window per point, with and without the overflow check in front. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class AggregateBenchmark {
    private static final int N = 1024;
    private Aggregate aggregate;
    private double[] values;
    private int i;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(42);
        values = new double[N];
        for (int k = 0; k < N; k++) {
            values[k] = random.nextDouble() * 100;
        }
        aggregate = new Aggregate().add(1, 1.0);
    }

    @Benchmark
    public Aggregate add() {
        i = (i + 1) & (N - 1);
        return aggregate.add(1_764_000_000_000L + i, values[i]);
    }

    /** What the processor does per point since the overflow check: ask, then add. */
    @Benchmark
    public Aggregate acceptsThenAdd() {
        i = (i + 1) & (N - 1);
        double v = values[i];
        return aggregate.accepts(v) ? aggregate.add(1_764_000_000_000L + i, v) : aggregate;
    }
}
