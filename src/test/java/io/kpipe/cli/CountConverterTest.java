package io.kpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class CountConverterTest {
    private final Converters.CountConverter count = new Converters.CountConverter();

    @Test
    void shouldTakeWholeCountsWithThousandsAndMillions() {
        assertThat(count.convert("10000")).isEqualTo(10_000);
        assertThat(count.convert("10k")).isEqualTo(10_000);
        assertThat(count.convert("1M")).isEqualTo(1_000_000);
        assertThat(count.convert("1.5k")).isEqualTo(1_500);
        assertThat(count.convert(" 2m ")).isEqualTo(2_000_000);
    }

    @Test
    void shouldRefuseWhatIsNotAPositiveWholeCount() {
        for (String bad : new String[] {"0", "-5", "1.5", "0.0001k", "3000m"}) {
            assertThatThrownBy(() -> count.convert(bad)).isInstanceOf(TypeConversionException.class)
                    .hasMessage("'" + bad + "' is not allowed; use a positive whole number (e.g. 10000, 10k, 1M)");
        }
        assertThatThrownBy(() -> count.convert("ten")).isInstanceOf(TypeConversionException.class)
                .hasMessage("'ten' is not a count; use a positive whole number (e.g. 10000, 10k, 1M)");
    }
}
