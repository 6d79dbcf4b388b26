package io.kpipe.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kpipe.cluster.LocalCluster;
import io.kpipe.config.KafkaConnection;
import io.kpipe.model.BinaryPoint;
import io.kpipe.model.MutablePoint;
import io.kpipe.model.PointDecoder;
import io.kpipe.testing.Pipelines;
import io.kpipe.testing.SharedCluster;
import io.kpipe.topics.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** POST /ingest against a real broker: exact counts and reasons, limits, the token, points in the topic once. */
@Tag("integration")
@Timeout(180)
@ExtendWith(SharedCluster.class)
class IngestIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newHttpClient();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private record Server(HttpService http, IngestApi ingest, KafkaConnection kafka, String topic) {}

    private Server start(LocalCluster cluster, String token, IngestApi.Limits limits) {
        KafkaConnection kafka = KafkaConnection.of(cluster.bootstrapServers());
        String prefix = SharedCluster.unique("ingest-");
        Pipelines.createTopics(kafka, prefix, 3);
        HttpService http = HttpService.start("127.0.0.1", 0);
        open.add(http);
        String topic = Topics.withPrefix(prefix).points().name();
        IngestApi ingest = IngestApi.on(http, kafka, topic, token, limits, null);
        open.add(ingest);
        return new Server(http, ingest, kafka, topic);
    }

    private HttpResponse<String> post(Server s, String contentType, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.http().url() + "/ingest"))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> decoded(List<ConsumerRecord<byte[], byte[]>> records) {
        MutablePoint p = new MutablePoint();
        PointDecoder decoder = new PointDecoder();
        List<String> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            assertThat(r.value()[0]).as("binary").isEqualTo(BinaryPoint.MAGIC);
            decoder.decode(r.key(), r.value(), r.timestamp(), p);
            out.add(new String(r.key(), StandardCharsets.UTF_8) + "," + p.timestamp() + "," + p.value());
        }
        return out;
    }

    @Test
    void shouldProduceTheValidLinesOfAnNdjsonBodyOnceAndListTheBadOnesWithTheirReasons(LocalCluster cluster) throws Exception {
        Server s = start(cluster, null, IngestApi.Limits.DEFAULT);
        String body = """
                {"sensor":"a","ts":1764000000000,"value":1.5}
                {"sensor":"b","ts":1764000000001,"value":2}
                {"sensor":"c","ts":1764000000002,"value":"hot"}

                not json at all
                {"sensor":"","ts":1764000000003,"value":4}
                {"sensor":"a","ts":1764000000004,"value":3.25}
                {"ts":1764000000005,"value":5}
                """;

        HttpResponse<String> r = post(s, "application/x-ndjson", body, null);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = JSON.readTree(r.body());
        assertThat(j.get("accepted").asLong()).isEqualTo(3);
        assertThat(j.get("rejected").asLong()).isEqualTo(4);
        assertThat(j.get("errors").toString()).isEqualTo("[{\"line\":3,\"reason\":\"JSON field 'value' must be a number\"},"
                + "{\"line\":5,\"reason\":\"malformed JSON: Unrecognized token 'not': was expecting (JSON String, Number, "
                + "Array, Object or token 'null', 'true' or 'false')\"},"
                + "{\"line\":6,\"reason\":\"sensor is empty\"},{\"line\":8,\"reason\":\"JSON field 'sensor' is missing\"}]");
        assertThat(decoded(Pipelines.readAll(s.kafka(), s.topic()))).containsExactlyInAnyOrder(
                "a,1764000000000,1.5", "b,1764000000001,2.0", "a,1764000000004,3.25");
        assertThat(s.ingest().accepted()).isEqualTo(3);
        assertThat(s.ingest().rejected()).isEqualTo(4);
    }

    @Test
    void shouldTakeCsvWithAHeaderAndStampPointsWithoutTimeWithTheRequestTime(LocalCluster cluster) throws Exception {
        Server s = start(cluster, null, IngestApi.Limits.DEFAULT);
        long before = System.currentTimeMillis();

        HttpResponse<String> r = post(s, "text/csv; charset=utf-8",
                "sensor,ts,value\r\ns-1,1764000000000,21.5\r\ns-2,,7\r\ns-3,yesterday,1\r\ns-4,1764000000000\r\ns-5,1764000000000,NaN\r\n",
                null);

        JsonNode j = JSON.readTree(r.body());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(j.get("accepted").asLong()).isEqualTo(2);
        assertThat(j.get("rejected").asLong()).isEqualTo(3);
        assertThat(j.get("errors").toString()).isEqualTo("[{\"line\":4,\"reason\":\"CSV field 'ts' is not an integer: 'yesterday'\"},"
                + "{\"line\":5,\"reason\":\"CSV must have 3 fields (sensor,ts,value), got 2\"},"
                + "{\"line\":6,\"reason\":\"value is NaN\"}]");
        List<String> points = decoded(Pipelines.readAll(s.kafka(), s.topic()));
        assertThat(points).hasSize(2).contains("s-1,1764000000000,21.5");
        String stamped = points.stream().filter(p -> p.startsWith("s-2,")).findFirst().orElseThrow();
        assertThat(Long.parseLong(stamped.split(",")[1])).isBetween(before, System.currentTimeMillis());
    }

    @Test
    void shouldRefuseWithoutTheTokenTooLargeBodiesTooManyLinesOtherTypesAndOtherMethods(LocalCluster cluster) throws Exception {
        Server s = start(cluster, "s3cret", new IngestApi.Limits(2048, 3));
        String ok = "{\"sensor\":\"a\",\"ts\":1,\"value\":1}\n";

        HttpResponse<String> noToken = post(s, "application/x-ndjson", ok, null);
        HttpResponse<String> wrongToken = post(s, "application/x-ndjson", ok, "guess");
        HttpResponse<String> tooLarge = post(s, "application/x-ndjson", ok.repeat(100), "s3cret");
        HttpResponse<String> tooManyLines = post(s, "application/x-ndjson", ok.repeat(4), "s3cret");
        HttpResponse<String> xml = post(s, "application/xml", "<point/>", "s3cret");
        HttpResponse<String> noType = post(s, null, ok, "s3cret");
        HttpResponse<String> get = client.send(HttpRequest.newBuilder(URI.create(s.http().url() + "/ingest")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> fine = post(s, "application/json", ok.repeat(3), "s3cret");

        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noToken.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"kpipe\"");
        assertThat(wrongToken.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(tooLarge.body()).get("error").asText())
                .isEqualTo("body larger than 2048 bytes: split it into several requests");
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(tooManyLines.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(tooManyLines.body()).get("error").asText())
                .isEqualTo("more than 3 lines in one request: split it into several requests");
        assertThat(xml.statusCode()).isEqualTo(415);
        assertThat(JSON.readTree(xml.body()).get("error").asText()).isEqualTo("Content-Type must be application/x-ndjson, "
                + "application/ndjson, application/json or text/csv, got 'application/xml'");
        assertThat(noType.statusCode()).isEqualTo(415);
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(fine.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(fine.body()).get("accepted").asLong()).isEqualTo(3);
        // Only the one good request reached the topic.
        assertThat(Pipelines.readAll(s.kafka(), s.topic())).hasSize(3);
    }
}
