package io.kpipe.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Seeded pseudo-random test input, and {@link #forAll} to check a property over many tries.
 *
 * <p>A {@code Gen} is deterministic: the same seed gives the same sequence of values. Ranges are
 * inclusive at both ends. {@link #ints} and {@link #bytes} are uniform; {@link #longs()},
 * {@link #longs(long, long)} and {@link #doubles} pick one of their range's edges (its ends, 0 and
 * 1 where inside) one time in {@value #EDGE_ODDS}, as those are where bugs live. Not thread-safe.
 */
final class Gen {
    /** Seed of the first try when {@value #SEED_PROPERTY} is not set. */
    static final long DEFAULT_SEED = 0x6B70_6970_6531_3131L;
    /** System property that sets the first try's seed, e.g. to rerun a failed try. */
    static final String SEED_PROPERTY = "kpipe.prop.seed";
    private static final int EDGE_ODDS = 16;

    private final SplittableRandom random;

    Gen(long seed) {
        random = new SplittableRandom(seed);
    }

    /**
     * Checks {@code property} on {@code tries} inputs, each made by {@code input} from a fresh
     * {@code Gen}. Try 0 is seeded with {@value #SEED_PROPERTY} or else {@link #DEFAULT_SEED}, and
     * each later try with a number drawn from its predecessor's seed, so a run is repeatable and
     * setting the property to a failed try's seed reruns from that try on.
     *
     * @throws AssertionError on the first try where {@code property} throws an assertion error or
     *     any runtime exception; its message names the try, its seed and the input (by
     *     {@code toString}), and its cause is what the property threw
     */
    static <T> void forAll(int tries, Function<Gen, T> input, Consumer<? super T> property) {
        String set = System.getProperty(SEED_PROPERTY);
        long seed = set == null || set.isBlank() ? DEFAULT_SEED : Long.parseLong(set.trim());
        for (int i = 0; i < tries; i++) {
            T in = input.apply(new Gen(seed));
            try {
                property.accept(in);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(String.format(
                        "failed on try %d of %d, seed %d (rerun from it with -D%s=%d)%n  input: %s%n  %s",
                        i, tries, seed, SEED_PROPERTY, seed, in, e), e);
            }
            seed = new SplittableRandom(seed).nextLong();
        }
    }

    /** A weighted choice for {@link #frequencyOf}: {@code weight} is at least 1. */
    record Weighted<T>(int weight, Supplier<? extends T> value) {
        Weighted {
            if (weight < 1) {
                throw new IllegalArgumentException("weight " + weight);
            }
        }
    }

    static <T> Weighted<T> weight(int weight, Supplier<? extends T> value) {
        return new Weighted<>(weight, value);
    }

    /** The value of one choice, picked with probability its weight over the sum of weights. */
    @SafeVarargs
    final <T> T frequencyOf(Weighted<? extends T>... choices) {
        int total = 0;
        for (Weighted<? extends T> c : choices) {
            total += c.weight();
        }
        int pick = random.nextInt(total);
        for (Weighted<? extends T> c : choices) {
            pick -= c.weight();
            if (pick < 0) {
                return c.value().get();
            }
        }
        throw new AssertionError("unreachable");
    }

    /** One of {@code values}, each equally likely. */
    <T> T oneOf(List<? extends T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** One of {@code values}, each equally likely. */
    @SafeVarargs
    final <T> T oneOf(T... values) {
        return values[random.nextInt(values.length)];
    }

    boolean booleans() {
        return random.nextBoolean();
    }

    /** Uniform in {@code [min, max]}. */
    int ints(int min, int max) {
        return (int) random.nextLong(min, (long) max + 1);
    }

    /** Any long, edges ({@code MIN_VALUE}, -1, 0, 1, {@code MAX_VALUE}) favoured. */
    long longs() {
        return longs(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** A long in {@code [min, max]}, edges favoured. */
    long longs(long min, long max) {
        if (random.nextInt(EDGE_ODDS) == 0) {
            return oneOf(edges(min, max, -1L, 0L, 1L));
        }
        if (max < Long.MAX_VALUE) {
            return random.nextLong(min, max + 1);
        }
        return min > Long.MIN_VALUE ? random.nextLong(min - 1, max) + 1 : random.nextLong();
    }

    /** A double in {@code [min, max]} (finite, {@code min < max}), edges favoured, else uniform. */
    double doubles(double min, double max) {
        if (random.nextInt(EDGE_ODDS) == 0) {
            return oneOf(edges(min, max, 0.0, 1.0, -1.0));
        }
        return random.nextDouble(min, max);
    }

    /** {@code min} to {@code maxSize} uniformly random bytes, every size equally likely. */
    byte[] bytes(int minSize, int maxSize) {
        byte[] b = new byte[ints(minSize, maxSize)];
        random.nextBytes(b);
        return b;
    }

    /** {@code minSize} to {@code maxSize} values from {@code element}, every size equally likely. */
    <T> List<T> listOf(int minSize, int maxSize, Supplier<? extends T> element) {
        int size = ints(minSize, maxSize);
        List<T> list = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            list.add(element.get());
        }
        return list;
    }

    /** Shuffles {@code list} in place, every order equally likely. */
    void shuffle(List<?> list) {
        for (int i = list.size() - 1; i > 0; i--) {
            java.util.Collections.swap(list, i, random.nextInt(i + 1));
        }
    }

    @SafeVarargs
    private static <T extends Comparable<T>> List<T> edges(T min, T max, T... inner) {
        List<T> edges = new ArrayList<>(List.of(min, max));
        for (T x : inner) {
            if (x.compareTo(min) > 0 && x.compareTo(max) < 0) {
                edges.add(x);
            }
        }
        return edges;
    }
}
