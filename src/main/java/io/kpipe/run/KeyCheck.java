package io.kpipe.run;

import io.kpipe.model.WindowResult;
import java.util.HashMap;
import java.util.Map;

/**
 * The per-key half of the books: for every sensor and window, the final count on
 * {@code points-agg-1m} (or, under {@code --emit final}, in the processor's state if the window is
 * still open at the end) must equal the points the generator got acknowledged for that window,
 * less those the processor set aside by its window rules (late, future, overflow: they are in the
 * dead-letter topic instead). A shortfall
 * is lost points, an excess duplicated points, window by window, so that one window's loss
 * cannot cancel out another's duplicate.
 *
 * @param lost          points missing from the windows they belong to
 * @param duplicated    points counted more than once (or in windows nobody sent to)
 * @param windows       windows compared
 * @param windowsWrong  windows whose count was not exact
 */
public record KeyCheck(long lost, long duplicated, long windows, long windowsWrong) {

    /**
     * @param acked     acknowledged points per window start, then per sensor index
     * @param sensor    the name of sensor index i, as the generator keyed it
     */
    public static KeyCheck of(Map<Long, long[]> acked, java.util.function.IntFunction<String> sensor,
                              Reconciler.Output output) {
        return of(acked, sensor, Map.of(), output);
    }

    /** {@code alsoAcked}: more acknowledged points by window key (those ingested over HTTP). */
    public static KeyCheck of(Map<Long, long[]> acked, java.util.function.IntFunction<String> sensor,
                              Map<String, Long> alsoAcked, Reconciler.Output output) {
        return of(acked, sensor, alsoAcked, output, false);
    }

    /**
     * {@code othersWrote}: other producers wrote to {@code points} too, so windows nobody here sent
     * to are theirs, not duplicates: only the windows expected here are compared (the totals check the rest).
     */
    public static KeyCheck of(Map<Long, long[]> acked, java.util.function.IntFunction<String> sensor,
                              Map<String, Long> alsoAcked, Reconciler.Output output, boolean othersWrote) {
        Map<String, Long> expected = new HashMap<>(alsoAcked);
        acked.forEach((start, counts) -> {
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] > 0) {
                    expected.merge(WindowResult.key(sensor.apply(i), start), counts[i], Long::sum);
                }
            }
        });
        Map<String, Long> all = new HashMap<>(expected);
        if (!othersWrote) {
            output.finalCounts().keySet().forEach(k -> all.putIfAbsent(k, 0L));
            output.openCounts().keySet().forEach(k -> all.putIfAbsent(k, 0L));
            output.setAsideByWindow().keySet().forEach(k -> all.putIfAbsent(k, 0L));
        }
        long lost = 0;
        long duplicated = 0;
        long wrong = 0;
        for (String key : all.keySet()) {
            long diff = output.count(key) + output.setAsideByWindow().getOrDefault(key, 0L)
                    - expected.getOrDefault(key, 0L);
            if (diff != 0) {
                wrong++;
                if (diff > 0) {
                    duplicated += diff;
                } else {
                    lost -= diff;
                }
            }
        }
        return new KeyCheck(lost, duplicated, all.size(), wrong);
    }
}
