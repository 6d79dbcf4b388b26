package io.kpipe.jmh;

import io.kpipe.model.BinaryPoint;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import java.nio.charset.StandardCharsets;
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

/** Decoding and encoding one point in each wire format: the processor's first step for every record. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CodecBenchmark {
    private static final int N = 1024;
    private final PointDecoder decoder = new PointDecoder();
    private final MutablePoint point = new MutablePoint();
    private final byte[] buffer = new byte[BinaryPoint.SIZE];
    private byte[][] keys;
    private byte[][] binary;
    private byte[][] json;
    private byte[][] csv;
    private long[] times;
    private double[] values;
    private int i;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(42);
        keys = new byte[N][];
        binary = new byte[N][];
        json = new byte[N][];
        csv = new byte[N][];
        times = new long[N];
        values = new double[N];
        for (int k = 0; k < N; k++) {
            String sensor = "s-" + random.nextInt(10_000);
            long ts = 1_764_000_000_000L + random.nextInt(60_000);
            double v = random.nextDouble() * 100;
            keys[k] = sensor.getBytes(StandardCharsets.UTF_8);
            times[k] = ts;
            values[k] = v;
            binary[k] = BinaryPoint.encode(ts, v);
            json[k] = ("{\"sensor\":\"" + sensor + "\",\"ts\":" + ts + ",\"value\":" + v + "}").getBytes(StandardCharsets.UTF_8);
            csv[k] = (sensor + "," + ts + "," + v).getBytes(StandardCharsets.UTF_8);
        }
    }

    private int next() {
        i = (i + 1) & (N - 1);
        return i;
    }

    @Benchmark
    public double decodeBinary() {
        int k = next();
        return decoder.decode(keys[k], binary[k], 0, point).value();
    }

    @Benchmark
    public double decodeJson() {
        int k = next();
        return decoder.decode(keys[k], json[k], 0, point).value();
    }

    @Benchmark
    public double decodeCsv() {
        int k = next();
        return decoder.decode(keys[k], csv[k], 0, point).value();
    }

    @Benchmark
    public byte[] encodeBinary() {
        int k = next();
        BinaryPoint.encode(times[k], values[k], buffer);
        return buffer;
    }
}
