package io.kpipe.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kpipe.model.MalformedPointException;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import java.util.List;
import org.junit.jupiter.api.Test;

class InvalidPointsTest {
    @Test
    void shouldSendOnlyPointsTheDecoderRejectsEachForItsOwnReason() {
        List<InvalidPoints.Sample> samples = InvalidPoints.samples(1_764_000_000_000L);
        PointDecoder decoder = new PointDecoder();

        List<String> reasons = samples.stream()
                .map(s -> catchThrowableOfType(MalformedPointException.class,
                        () -> decoder.decode(s.key(), s.value(), 1_764_000_000_000L, new MutablePoint())))
                .map(e -> e == null ? "ACCEPTED" : e.getMessage())
                .toList();

        assertThat(reasons).doesNotContain("ACCEPTED").doesNotHaveDuplicates().hasSize(11);
    }
}
