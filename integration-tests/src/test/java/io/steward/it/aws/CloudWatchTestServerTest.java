package io.steward.it.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.steward.it.aws.CloudWatchTestServer.Datum;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.CloudWatchException;
import software.amazon.awssdk.services.cloudwatch.model.Datapoint;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.Metric;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.PutMetricDataRequest;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;
import software.amazon.awssdk.services.cloudwatch.model.StatisticSet;

/** {@link CloudWatchTestServer} against the real SDK client: what it keeps, what it answers, what it refuses. */
class CloudWatchTestServerTest {
    private static final Dimension NODE =
            Dimension.builder().name("Node").value("n1").build();

    private CloudWatchTestServer server;
    private CloudWatchClient client;

    @BeforeEach
    void start() {
        server = CloudWatchTestServer.start();
        client = server.client();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private static MetricDatum.Builder datum(String name) {
        return MetricDatum.builder().metricName(name).dimensions(NODE);
    }

    @Test
    void keepsEveryDatumAndReadsItBackThroughListMetricsAndGetMetricStatistics() {
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        client.putMetricData(r -> r.namespace("Test")
                .metricData(
                        datum("latency")
                                .timestamp(minute.plusSeconds(1))
                                .unit(StandardUnit.MILLISECONDS)
                                .statisticValues(StatisticSet.builder()
                                        .sampleCount(2.0)
                                        .sum(8.0)
                                        .minimum(3.0)
                                        .maximum(5.0)
                                        .build())
                                .build(),
                        datum("latency")
                                .timestamp(minute.plusSeconds(2))
                                .unit(StandardUnit.MILLISECONDS)
                                .value(11.0)
                                .build(),
                        datum("other").value(1.0).build()));

        assertThat(server.datums())
                .filteredOn(d -> d.name().equals("latency"))
                .first()
                .satisfies(d -> {
                    assertThat(d.namespace()).isEqualTo("Test");
                    assertThat(d.dimensions()).containsExactly(Map.entry("Node", "n1"));
                    assertThat(d.unit()).isEqualTo("Milliseconds");
                    assertThat(d.timestamp()).isEqualTo(minute.plusSeconds(1));
                    assertThat(d.statistics()).containsEntry("SampleCount", 2.0).containsEntry("Maximum", 5.0);
                });
        List<Metric> metrics = client.listMetrics(r -> r.namespace("Test")).metrics();
        assertThat(metrics).extracting(Metric::metricName).containsExactlyInAnyOrder("latency", "other");
        assertThat(metrics.get(0).dimensions()).containsExactly(NODE);

        List<Datapoint> points = client.getMetricStatistics(r -> r.namespace("Test")
                        .metricName("latency")
                        .dimensions(NODE)
                        .startTime(minute)
                        .endTime(minute.plusSeconds(60))
                        .period(60)
                        .statistics(
                                Statistic.SAMPLE_COUNT,
                                Statistic.SUM,
                                Statistic.MINIMUM,
                                Statistic.MAXIMUM,
                                Statistic.AVERAGE))
                .datapoints();
        assertThat(points).singleElement().satisfies(p -> {
            assertThat(p.timestamp()).isEqualTo(minute);
            assertThat(p.sampleCount()).isEqualTo(3.0);
            assertThat(p.sum()).isEqualTo(19.0);
            assertThat(p.minimum()).isEqualTo(3.0);
            assertThat(p.maximum()).isEqualTo(11.0);
            assertThat(p.average()).isEqualTo(19.0 / 3);
            assertThat(p.unit()).isEqualTo(StandardUnit.MILLISECONDS);
        });
        assertThat(client.getMetricStatistics(r -> r.namespace("Test")
                                .metricName("latency")
                                .startTime(minute)
                                .endTime(minute.plusSeconds(60))
                                .period(60)
                                .statistics(Statistic.SUM))
                        .datapoints())
                .as("other dimensions, another metric")
                .isEmpty();
    }

    @Test
    void refusesWhatCloudWatchRefusesWithItsCodesAndKeepsNothingOfARefusedRequest() {
        client.putMetricData(
                r -> r.namespace("Test").metricData(datum("kept").value(1.0).build()));
        List<Dimension> thirtyOne = IntStream.range(0, 31)
                .mapToObj(i -> Dimension.builder().name("d" + i).value("v").build())
                .toList();
        String kilobyte = "x".repeat(1000);
        List<Dimension> large = IntStream.range(0, 3)
                .mapToObj(i -> Dimension.builder().name("d" + i).value(kilobyte).build())
                .toList();

        assertThat(code(r ->
                        r.namespace("AWS/EC2").metricData(datum("m").value(1.0).build())))
                .isEqualTo("InvalidParameterValue");
        assertThat(code(r -> r.namespace("Test")
                        .metricData(IntStream.range(0, 1001)
                                .mapToObj(i -> datum("m" + i).value(1.0).build())
                                .toList())))
                .isEqualTo("InvalidParameterValue");
        assertThat(code(r -> r.namespace("Test")
                        .metricData(IntStream.range(0, 400)
                                .mapToObj(i -> datum("m" + i)
                                        .dimensions(large)
                                        .value(1.0)
                                        .build())
                                .toList())))
                .as("over 1 MB")
                .isEqualTo("RequestEntityTooLarge");
        assertThat(code(r -> r.namespace("Test")
                        .metricData(
                                datum("ok").value(1.0).build(),
                                datum("nan").value(Double.NaN).build())))
                .isEqualTo("InvalidParameterValue");
        assertThat(code(r -> r.namespace("Test")
                        .metricData(datum("huge").value(Math.scalb(1.0, 361)).build())))
                .isEqualTo("InvalidParameterValue");
        assertThat(code(r -> r.namespace("Test")
                        .metricData(datum("s")
                                .statisticValues(StatisticSet.builder()
                                        .sampleCount(1.0)
                                        .sum(Double.POSITIVE_INFINITY)
                                        .minimum(1.0)
                                        .maximum(1.0)
                                        .build())
                                .build())))
                .isEqualTo("InvalidParameterValue");
        assertThat(code(r -> r.namespace("Test")
                        .metricData(datum("x".repeat(256)).value(1.0).build())))
                .isEqualTo("InvalidParameterValue");
        assertThat(code(r -> r.namespace("Test")
                        .metricData(
                                datum("dims").dimensions(thirtyOne).value(1.0).build())))
                .isEqualTo("InvalidParameterValue");
        assertThat(code(r -> r.namespace("Test")
                        .metricData(datum("both")
                                .value(1.0)
                                .statisticValues(StatisticSet.builder()
                                        .sampleCount(1.0)
                                        .sum(1.0)
                                        .minimum(1.0)
                                        .maximum(1.0)
                                        .build())
                                .build())))
                .isEqualTo("InvalidParameterCombination");
        assertThat(code(r -> r.namespace("Test").metricData(datum("neither").build())))
                .isEqualTo("MissingParameter");
        assertThat(code(r -> r.namespace("Test")
                        .metricData(datum("old")
                                .value(1.0)
                                .timestamp(Instant.now().minus(Duration.ofDays(15)))
                                .build())))
                .isEqualTo("InvalidParameterValue");

        assertThat(server.datums()).extracting(Datum::name).containsExactly("kept");
    }

    @Test
    void injectedFailuresReachTheClientAndThenCallsGoThroughAgain() {
        server.failNext(1, "Throttling", 400);
        CloudWatchException throttled = exception(
                r -> r.namespace("Test").metricData(datum("m").value(1.0).build()));
        assertThat(throttled.awsErrorDetails().errorCode()).isEqualTo("Throttling");
        assertThat(throttled.isThrottlingException()).isTrue();

        server.failNext(1, "InternalServiceError", 500);
        assertThat(exception(r -> r.namespace("Test")
                                .metricData(datum("m").value(1.0).build()))
                        .statusCode())
                .isEqualTo(500);

        client.putMetricData(
                r -> r.namespace("Test").metricData(datum("m").value(2.0).build()));
        assertThat(server.datums()).extracting(Datum::value).containsExactly(2.0);
    }

    @Test
    void anUnsignedRequestIsRefused() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(server.endpoint()
                                        + "/service/GraniteServiceVersion20100801/operation/ListMetrics"))
                                .header("smithy-protocol", "rpc-v2-cbor")
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).contains("MissingAuthenticationToken");
    }

    private String code(Consumer<PutMetricDataRequest.Builder> request) {
        return exception(request).awsErrorDetails().errorCode();
    }

    private CloudWatchException exception(Consumer<PutMetricDataRequest.Builder> request) {
        CloudWatchException e = catchThrowableOfType(CloudWatchException.class, () -> client.putMetricData(request));
        assertThat(e).as("a CloudWatchException").isNotNull();
        return e;
    }
}
