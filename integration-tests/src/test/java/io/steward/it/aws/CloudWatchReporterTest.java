package io.steward.it.aws;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.steward.config.CloudWatchConfig;
import io.steward.it.aws.CloudWatchTestServer.Datum;
import io.steward.metrics.CloudWatchReporter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.CloudWatchException;
import software.amazon.awssdk.services.cloudwatch.model.Metric;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The CloudWatch reporter with the real SDK client against {@link CloudWatchTestServer}. */
class CloudWatchReporterTest {
    private static final Map<String, String> DIMENSIONS = Map.of("Cluster", "db.example.net", "Node", "db01");

    private CloudWatchTestServer server;
    private final MetricRegistry registry = new MetricRegistry();

    @BeforeEach
    void start() {
        server = CloudWatchTestServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private CloudWatchReporter reporter(CloudWatchConfig.Monitoring monitoring) {
        return new CloudWatchReporter(registry, server.client(), new CloudWatchConfig(monitoring, "Steward",
                Duration.ofMinutes(1), Optional.of(server.endpoint())), "db.example.net", "db01");
    }

    private Datum only(String name) {
        List<Datum> found = server.datums().stream().filter(d -> d.name().equals(name)).toList();
        assertThat(found).as(name).hasSize(1);
        return found.get(0);
    }

    @Test
    void theServerKeepsWhatIsPutAndListsItThroughTheRealClient() {
        try (CloudWatchClient client = server.client()) {
            client.putMetricData(r -> r.namespace("Test").metricData(MetricDatum.builder().metricName("m").value(1.5)
                    .dimensions(d -> d.name("Node").value("n1")).build()));
            List<Metric> metrics = client.listMetrics(r -> r.namespace("Test")).metrics();
            assertThat(metrics).singleElement().satisfies(metric -> {
                assertThat(metric.metricName()).isEqualTo("m");
                assertThat(metric.dimensions()).singleElement().satisfies(d -> assertThat(d.value()).isEqualTo("n1"));
            });
            assertThat(code(() -> client.putMetricData(r -> r.namespace("AWS/EC2").metricData(
                    MetricDatum.builder().metricName("m").value(1.0).build())))).isEqualTo("InvalidParameterValue");
            List<MetricDatum> tooMany = IntStream.range(0, 1001)
                    .mapToObj(i -> MetricDatum.builder().metricName("m" + i).value(1.0).build()).toList();
            assertThat(code(() -> client.putMetricData(r -> r.namespace("Test").metricData(tooMany))))
                    .isEqualTo("InvalidParameterValue");
        }
        assertThat(server.datums()).hasSize(1);
    }

    @Test
    void gaugesAsTheyAreCountersAndTimersAsWhatHappenedSinceTheLastPush() {
        registry.gauge("steward_epoch", () -> () -> 7);
        registry.counter("steward_failovers").inc(5);
        registry.timer("steward_loop_duration").update(3, TimeUnit.MILLISECONDS);
        registry.timer("steward_loop_duration").update(5, TimeUnit.MILLISECONDS);
        registry.counter("postgresql_blocks_read").inc(100);
        CloudWatchReporter reporter = reporter(CloudWatchConfig.Monitoring.ON);

        reporter.report();

        assertThat(only("steward_epoch")).satisfies(d -> {
            assertThat(d.namespace()).isEqualTo("Steward");
            assertThat(d.dimensions()).isEqualTo(DIMENSIONS);
            assertThat(d.value()).isEqualTo(7.0);
        });
        assertThat(only("steward_failovers").value()).isEqualTo(5.0);
        assertThat(only("steward_failovers").unit()).isEqualTo("Count");
        assertThat(only("steward_loop_duration")).satisfies(d -> {
            assertThat(d.unit()).isEqualTo("Milliseconds");
            assertThat(d.statistics()).containsEntry("SampleCount", 2.0).containsEntry("Minimum", 3.0)
                    .containsEntry("Maximum", 5.0).containsEntry("Sum", 8.0);
        });
        assertThat(server.datums()).as("on: only the agent's own metrics").noneMatch(d -> d.name().startsWith("postgresql"));

        registry.counter("steward_failovers").inc(2);
        reporter.report();
        assertThat(server.datums().stream().filter(d -> d.name().equals("steward_failovers")).map(Datum::value))
                .containsExactly(5.0, 2.0);
        assertThat(server.datums().stream().filter(d -> d.name().equals("steward_loop_duration")))
                .as("no new samples, no statistic set").hasSize(1);
    }

    @Test
    void allIncludesTheEngineMetricsAndValuesCloudWatchRefusesAreSkipped() {
        registry.counter("postgresql_blocks_read").inc(100);
        registry.register("steward_lag_ratio", (Gauge<Double>) () -> Double.NaN);

        reporter(CloudWatchConfig.Monitoring.ALL).report();

        assertThat(only("postgresql_blocks_read").value()).isEqualTo(100.0);
        assertThat(server.datums()).noneMatch(d -> d.name().equals("steward_lag_ratio"));
        assertThat(registry.counter(CloudWatchReporter.SKIPPED).getCount()).isEqualTo(1);
    }

    @Test
    void moreThanAThousandMetricsAreSentInSeveralRequests() {
        IntStream.range(0, 2500).forEach(i -> registry.gauge("steward_g" + i, () -> () -> i));

        reporter(CloudWatchConfig.Monitoring.ON).report();

        assertThat(server.requestSizes()).containsExactly(1000, 1000, 500);
    }

    @Test
    void aFailedPushIsCountedAndTheNextOneGoesThrough() {
        registry.counter("steward_failovers").inc(3);
        CloudWatchReporter reporter = reporter(CloudWatchConfig.Monitoring.ON);
        server.failNext(1, "Throttling", 400);

        reporter.report();
        assertThat(registry.counter(CloudWatchReporter.FAILURES).getCount()).isEqualTo(1);
        assertThat(server.datums()).isEmpty();

        reporter.report();
        assertThat(server.datums()).anyMatch(d -> d.name().equals("steward_failovers"));
        assertThat(registry.counter(CloudWatchReporter.FAILURES).getCount()).isEqualTo(1);
    }

    private static String code(Runnable call) {
        CloudWatchException e = catchThrowableOfType(CloudWatchException.class, call::run);
        assertThat(e).as("a CloudWatchException").isNotNull();
        return e.awsErrorDetails().errorCode();
    }
}
