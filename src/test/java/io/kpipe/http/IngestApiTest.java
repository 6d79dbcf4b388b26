package io.kpipe.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class IngestApiTest {
    @Test
    void shouldTellTheFormatByContentTypeIgnoringCaseAndParameters() {
        assertThat(IngestApi.format("application/x-ndjson")).isTrue();
        assertThat(IngestApi.format("application/ndjson; charset=utf-8")).isTrue();
        assertThat(IngestApi.format("Application/JSON")).isTrue();
        assertThat(IngestApi.format("text/csv;charset=UTF-8")).isFalse();
        assertThat(IngestApi.format("application/csv")).isFalse();
        assertThat(IngestApi.format("text/plain")).isNull();
        assertThat(IngestApi.format(null)).isNull();
    }

    @Test
    void shouldKnowTheCsvHeaderLine() {
        assertThat(io.kpipe.model.PointDecoder.isCsvHeader(" Sensor,TS,value\r".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(io.kpipe.model.PointDecoder.isCsvHeader("s-1,1,2".getBytes(StandardCharsets.UTF_8))).isFalse();
    }
}
