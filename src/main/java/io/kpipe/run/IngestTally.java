package io.kpipe.run;

import io.kpipe.http.IngestApi;
import io.kpipe.model.WindowResult;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Points ingested over HTTP during a run, acknowledged, by window key: their side of the per-key books. */
final class IngestTally implements IngestApi.Tally {
    private final long windowMs;
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    IngestTally(long windowMs) {
        this.windowMs = windowMs;
    }

    @Override
    public void acked(String sensor, long timestamp) {
        long start = timestamp - Math.floorMod(timestamp, windowMs);
        counts.computeIfAbsent(WindowResult.key(sensor, start), k -> new LongAdder()).increment();
    }

    Map<String, Long> counts() {
        Map<String, Long> m = new HashMap<>();
        counts.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }
}
