package io.kpipe.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.kpipe.run.Sample;
import java.util.List;

/**
 * Whether the processor kept up with the generator over a window of a run: the generator must have
 * sent at the target rate (at least 97% of it: a starved generator makes any processor look fast),
 * and the lag (points sent and not yet processed) must not grow over the window (least-squares
 * slope times the window, at most 1 s of data) and must be under 2 s of data at the end.
 */
public record KeepUp(
        @JsonProperty("kept_up") boolean keptUp,
        @JsonProperty("lag_end") long lagEnd,
        @JsonProperty("lag_growth") long lagGrowth,
        @JsonProperty("rate_in") long rateIn,
        @JsonProperty("rate_out") long rateOut,
        @JsonProperty("reason") String reason) {

    /** Judges the samples with {@code fromS < t <= toS}; {@code rate} is the target points/s. */
    public static KeepUp judge(List<Sample> samples, long fromS, long toS, long rate) {
        List<Sample> w = samples.stream().filter(s -> s.tS() > fromS && s.tS() <= toS).toList();
        if (w.size() < 2) {
            return new KeepUp(false, 0, 0, 0, 0, "too few samples in the window (" + w.size() + ")");
        }
        double n = w.size();
        double meanT = w.stream().mapToDouble(Sample::tS).sum() / n;
        double meanLag = w.stream().mapToDouble(Sample::lag).sum() / n;
        double cov = 0;
        double var = 0;
        for (Sample s : w) {
            cov += (s.tS() - meanT) * (s.lag() - meanLag);
            var += (s.tS() - meanT) * (s.tS() - meanT);
        }
        long span = w.get(w.size() - 1).tS() - w.get(0).tS();
        long growth = Math.round(cov / var * span);
        long lagEnd = w.get(w.size() - 1).lag();
        long in = Math.round(w.stream().mapToLong(Sample::inPerS).average().orElse(0));
        long out = Math.round(w.stream().mapToLong(Sample::outPerS).average().orElse(0));
        String reason;
        if (in < rate * 0.97) {
            reason = String.format("the generator sent %,d points/s, short of the %,d targeted", in, rate);
        } else if (lagEnd > 2 * rate) {
            reason = String.format("lag at the end %,d is more than 2 s of data (%,d)", lagEnd, 2 * rate);
        } else if (growth > rate) {
            reason = String.format("lag grew by %,d over the window, more than 1 s of data (%,d)", growth, rate);
        } else {
            reason = "kept up";
        }
        return new KeepUp(reason.equals("kept up"), lagEnd, growth, in, out, reason);
    }
}
