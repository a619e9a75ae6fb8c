package io.steward.it.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.steward.config.CloudWatchConfig;
import io.steward.config.ConfigLoader;
import io.steward.config.StewardConfig;
import io.steward.it.aws.CloudWatchTestServer.Datum;
import io.steward.metrics.CloudWatchReporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CloudWatch reporter with the real SDK client against {@link CloudWatchTestServer}. */
class CloudWatchReporterTest {
    private static final Map<String, String> DIMENSIONS = Map.of("Cluster", "db.example.net", "Node", "db01");

    @TempDir
    Path dir;

    private CloudWatchTestServer server;
    private final MetricRegistry registry = new MetricRegistry();

    @BeforeEach
    void start() {
        server = CloudWatchTestServer.start();
        // the agent's client takes the default credential chain, as on EC2
        System.setProperty("aws.accessKeyId", "AKIDTEST");
        System.setProperty("aws.secretAccessKey", "test-secret");
    }

    @AfterEach
    void stop() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        server.close();
    }

    private CloudWatchReporter reporter(CloudWatchConfig.Monitoring monitoring) {
        return reporter(monitoring, "db.example.net", "db01");
    }

    private CloudWatchReporter reporter(CloudWatchConfig.Monitoring monitoring, String cluster, String node) {
        return new CloudWatchReporter(
                registry,
                server.client(),
                new CloudWatchConfig(monitoring, "Steward", Duration.ofMinutes(1), Optional.of(server.endpoint())),
                cluster,
                node);
    }

    private List<Datum> named(String name) {
        return server.datums().stream().filter(d -> d.name().equals(name)).toList();
    }

    private Datum only(String name) {
        assertThat(named(name)).as(name).hasSize(1);
        return named(name).get(0);
    }

    /** The agent's configuration: this YAML under {@code aws.cloudwatch}, then user data and environment on top. */
    private StewardConfig config(String cloudWatchYaml, String userData, Map<String, String> environment)
            throws IOException {
        Path file = Files.writeString(dir.resolve("steward.yml"), """
                cluster: db.example.net
                engine: testengine
                node:
                  name: db01
                  host: 10.0.0.5
                zookeeper:
                  connect: zk1:2181
                  digest_user: steward
                  digest_password: it-zookeeper-secret
                aws:
                  imds: off
                  region: eu-west-1
                  cloudwatch:
                    endpoint: %s
                %s
                testengine:
                  data_dir: /var/lib/test
                """.formatted(
                        server.endpoint(), cloudWatchYaml.indent(4).stripTrailing()));
        Path userDataFile = Files.writeString(dir.resolve("user-data.json"), userData);
        return ConfigLoader.load(
                new ConfigLoader.Sources(Optional.of(file), Optional.of(userDataFile), false, environment, Map.of()));
    }

    @Test
    void switchedOnByUserDataItPushesEveryIntervalOnADaemonThreadWithClusterAndNode() throws IOException {
        registry.counter("steward_failovers").inc(2);
        StewardConfig config = config(
                "namespace: Steward/Test", "{\"monitoring\": \"on\"}", Map.of("STEWARD_AWS_CLOUDWATCH_INTERVAL", "1s"));

        CloudWatchReporter reporter = CloudWatchReporter.start(config, registry).orElseThrow();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> server.requestSizes().size() >= 2);
            assertThat(Thread.getAllStackTraces().keySet())
                    .filteredOn(t -> t.getName().contains("cloudwatch-reporter"))
                    .isNotEmpty()
                    .allMatch(Thread::isDaemon);
        } finally {
            reporter.close();
        }
        assertThat(named("steward_failovers"))
                .allSatisfy(d -> {
                    assertThat(d.namespace()).isEqualTo("Steward/Test");
                    assertThat(d.dimensions()).isEqualTo(DIMENSIONS);
                })
                .extracting(Datum::value)
                .as("the count once, then what happened since: nothing")
                .startsWith(2.0, 0.0);
    }

    @Test
    void closingPushesOnceMoreSoThatTheLastCountsAreNotLost() throws IOException {
        StewardConfig config = config("monitoring: on\ninterval: 1h", "{}", Map.of());
        CloudWatchReporter reporter = CloudWatchReporter.start(config, registry).orElseThrow();
        registry.counter("steward_failovers").inc();

        reporter.close();

        assertThat(server.requestSizes()).as("one push, at close").hasSize(1);
        assertThat(only("steward_failovers").value()).isEqualTo(1.0);
    }

    @Test
    void offByDefaultOrByUserDataStartsNothing() throws IOException {
        registry.counter("steward_failovers").inc();

        assertThat(CloudWatchReporter.start(config("", "{}", Map.of()), registry))
                .isEmpty();
        assertThat(CloudWatchReporter.start(
                        config(
                                "monitoring: all",
                                "{\"monitoring\": \"off\"}",
                                Map.of("STEWARD_AWS_CLOUDWATCH_MONITORING", "off")),
                        registry))
                .isEmpty();
        assertThat(server.requestSizes()).isEmpty();
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
            assertThat(d.statistics())
                    .containsEntry("SampleCount", 2.0)
                    .containsEntry("Minimum", 3.0)
                    .containsEntry("Maximum", 5.0)
                    .containsEntry("Sum", 8.0);
        });
        assertThat(server.datums())
                .as("on: only the agent's own metrics")
                .noneMatch(d -> d.name().startsWith("postgresql"));

        registry.counter("steward_failovers").inc(2);
        reporter.report();
        assertThat(named("steward_failovers")).extracting(Datum::value).containsExactly(5.0, 2.0);
        assertThat(named("steward_loop_duration"))
                .as("no new samples, no statistic set")
                .hasSize(1);
    }

    @Test
    void allIncludesTheEngineMetricsAndWhatCloudWatchRefusesIsSkippedAndCounted() {
        registry.counter("postgresql_blocks_read").inc(100);
        registry.register("steward_lag_ratio", (Gauge<Double>) () -> Double.NaN);
        registry.register("steward_infinite", (Gauge<Double>) () -> Double.NEGATIVE_INFINITY);
        registry.register("steward_beyond_range", (Gauge<Double>) () -> Math.scalb(1.0, 400));
        registry.counter("steward_" + "x".repeat(250)).inc();

        reporter(CloudWatchConfig.Monitoring.ALL).report();

        assertThat(only("postgresql_blocks_read").value()).isEqualTo(100.0);
        assertThat(server.datums())
                .extracting(Datum::name)
                .containsExactlyInAnyOrder(
                        "postgresql_blocks_read", CloudWatchReporter.FAILURES, CloudWatchReporter.SKIPPED);
        assertThat(registry.counter(CloudWatchReporter.SKIPPED).getCount()).isEqualTo(4);
    }

    @Test
    void moreThanAThousandMetricsAreSentInSeveralRequests() {
        IntStream.range(0, 2500).forEach(i -> registry.gauge("steward_g" + i, () -> () -> i));

        reporter(CloudWatchConfig.Monitoring.ON).report();

        assertThat(server.requestSizes()).containsExactly(1000, 1000, 500);
    }

    @Test
    void aThousandDatumsOverOneMegabyteAreSplitBySize() {
        IntStream.range(0, 1000).forEach(i -> registry.gauge("steward_" + "g".repeat(240) + i, () -> () -> i));
        // long dimension values (CloudWatch takes up to 1024 characters) make 1000 datums about 2.3 MB
        CloudWatchReporter reporter = reporter(CloudWatchConfig.Monitoring.ON, "c".repeat(1000), "n".repeat(1000));

        reporter.report();

        assertThat(registry.counter(CloudWatchReporter.FAILURES).getCount()).isZero();
        assertThat(server.requestSizes()).hasSizeGreaterThan(2);
        assertThat(server.datums()).hasSize(1000);
    }

    @Test
    void aFailedPushIsCountedAndItsCountsArriveWithTheNextOne() {
        registry.counter("steward_failovers").inc(3);
        CloudWatchReporter reporter = reporter(CloudWatchConfig.Monitoring.ON);

        server.failNext(1, "Throttling", 400);
        reporter.report();
        server.failNext(1, "InternalServiceError", 500);
        registry.counter("steward_failovers").inc(2);
        reporter.report();
        assertThat(registry.counter(CloudWatchReporter.FAILURES).getCount()).isEqualTo(2);
        assertThat(server.datums()).isEmpty();

        reporter.report();
        assertThat(only("steward_failovers").value())
                .as("everything since the last accepted push")
                .isEqualTo(5.0);
        assertThat(registry.counter(CloudWatchReporter.FAILURES).getCount()).isEqualTo(2);
    }
}
