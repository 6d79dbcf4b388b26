package io.kpipe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @ParameterizedTest
    @CsvSource({"500ms,500", "60s,60000", "1.5s,1500", "5m,300000", "1h,3600000", " 2 M ,120000"})
    void shouldParseDurationsAsPeopleTypeThem(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "60", "-5s", "1d", "s"})
    void shouldRejectWhatIsNotADurationSayingWhatIsAllowed(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + text + "' is not a duration; use a number with a unit: ms, s, m or h (e.g. 500ms, 60s, 5m, 1h)");
    }

    @ParameterizedTest
    @CsvSource({"250,250ms", "60000,1m", "45000,45s", "3723000,1h2m3s", "7200000,2h", "0,0ms"})
    void shouldFormatCompactly(long millis, String text) {
        assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
    }
}
