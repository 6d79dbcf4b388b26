package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecoveryTest {
    /** One sample a second from t=1: 1,000 points/s in, with the given lags. */
    private static List<Sample> timeline(long... lags) {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < lags.length; i++) {
            out.add(new Sample(i + 1, 1000, 1000, lags[i], 10, 20));
        }
        return out;
    }

    @Test
    void shouldMeasureFromTheFaultToTheEndOfTheLastSecondMoreThanOneSecondBehind() {
        // Fault at 3.0 s; lag before it 100, so the line is 1,100; over it at 5, 6 and 7 s.
        List<Sample> t = timeline(100, 100, 100, 900, 5000, 9000, 2000, 300, 100);

        assertThat(Recovery.recoveredAfter(3.0, Double.MAX_VALUE, t, 9.5)).isEqualTo(5.0);
    }

    @Test
    void shouldSayZeroWhenTheFaultNeverPutThePipelineASecondBehind() {
        assertThat(Recovery.recoveredAfter(2.0, Double.MAX_VALUE, timeline(0, 0, 500, 900, 0), 5.2)).isEqualTo(0.0);
    }

    @Test
    void shouldSayNullWhenStillBehindWhenTheRunEndedUndrained() {
        assertThat(Recovery.recoveredAfter(2.0, Double.MAX_VALUE, timeline(0, 0, 5000, 9000), null)).isNull();
    }

    @Test
    void shouldCountADrainThatEndedAfterTheLastSampleAsTheRecovery() {
        // The last sample (4 s) was still behind; the drain ended at 4.6 s: recovered 2.6 s after the fault.
        assertThat(Recovery.recoveredAfter(2.0, Double.MAX_VALUE, timeline(0, 0, 5000, 9000), 4.6)).isEqualTo(2.6);
        // A drain that ended within the last sample's second counts from that second's end.
        assertThat(Recovery.recoveredAfter(2.0, Double.MAX_VALUE, timeline(0, 0, 5000, 9000), 3.9)).isEqualTo(2.0);
    }
}
