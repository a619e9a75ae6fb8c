package io.steward.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Counting;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.ScheduledReporter;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import io.steward.config.CloudWatchConfig;
import io.steward.config.StewardConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClientBuilder;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.PutMetricDataRequest;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;
import software.amazon.awssdk.services.cloudwatch.model.StatisticSet;

/**
 * Pushes the registry to CloudWatch every interval, with the dimensions Cluster and Node, on its own daemon thread.
 * Gauges are sent as they are; counters, meters, timers and histograms as what happened since the last push that
 * CloudWatch accepted (a count, or a statistic set of the samples), so that CloudWatch's Sum and SampleCount over a
 * period mean what they say and a failed push loses nothing. Values CloudWatch refuses (not a number, infinite,
 * beyond ±2^360) and names it refuses (over 255 characters) are skipped and counted. A failed push is counted and
 * logged once per run of failures; the next interval tries again. Stopping pushes one last time.
 */
public final class CloudWatchReporter extends ScheduledReporter {
    public static final String FAILURES = "steward_cloudwatch_failures";
    public static final String SKIPPED = "steward_cloudwatch_skipped_values";
    /** PutMetricData's limits: at most 1000 datums and 1 MB (1,048,576 bytes) per request. */
    static final int MAX_DATUMS = 1000;

    static final int MAX_REQUEST_BYTES = 1_048_576;
    private static final int MAX_NAME_LENGTH = 255;
    private static final double MAX_MAGNITUDE = Math.scalb(1.0, 360);
    /**
     * More than the field names, unit, timestamp and numbers of one datum take in any of the SDK's encodings for
     * CloudWatch (form, JSON or CBOR), so that a batch estimated below the limit is below it on the wire.
     */
    private static final int DATUM_OVERHEAD_BYTES = 400;
    /** A stopping agent waits this long at most for its last push, not the full call timeout. */
    private static final Duration LAST_PUSH_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(CloudWatchReporter.class);

    private final CloudWatchClient client;
    private final CloudWatchConfig config;
    private final List<Dimension> dimensions;
    private final int dimensionBytes;
    private final Counter failures;
    private final Counter skipped;
    /** Per counting metric, the count that the last accepted push reached. */
    private final Map<String, Long> sentCounts = new HashMap<>();

    private boolean failing;
    private volatile boolean stopping;

    /** One datum to send; a counting metric's datum carries the count it reaches once CloudWatch accepts it. */
    private record Outgoing(MetricDatum datum, int bytes, OptionalLong reachesCount) {}

    /**
     * The reporter the configuration asks for ({@code aws.cloudwatch}), started; none when monitoring is off.
     * Credentials come from the default provider chain: the instance role on EC2.
     */
    public static Optional<CloudWatchReporter> start(StewardConfig config, MetricRegistry registry) {
        CloudWatchConfig cloudWatch = config.aws().cloudWatch();
        if (cloudWatch.monitoring() == CloudWatchConfig.Monitoring.OFF) {
            return Optional.empty();
        }
        String region = config.node()
                .region()
                .orElseThrow(() -> new IllegalStateException("CloudWatch needs the AWS region: aws.region or IMDS"));
        CloudWatchClientBuilder builder = CloudWatchClient.builder()
                .region(Region.of(region))
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(30)))
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(60)));
        cloudWatch.endpoint().ifPresent(builder::endpointOverride);
        CloudWatchReporter reporter = new CloudWatchReporter(
                registry,
                builder.build(),
                cloudWatch,
                config.cluster(),
                config.node().name());
        reporter.start(cloudWatch.interval().toMillis(), TimeUnit.MILLISECONDS);
        log.info(
                "pushing {} metrics to CloudWatch namespace {} every {} s (monitoring: {})",
                cloudWatch.monitoring() == CloudWatchConfig.Monitoring.ALL ? "all" : "the agent's",
                cloudWatch.namespace(),
                cloudWatch.interval().toSeconds(),
                cloudWatch.monitoring().name().toLowerCase());
        return Optional.of(reporter);
    }

    public CloudWatchReporter(
            MetricRegistry registry, CloudWatchClient client, CloudWatchConfig config, String cluster, String node) {
        super(registry, "cloudwatch-reporter", filter(config.monitoring()), TimeUnit.SECONDS, TimeUnit.MILLISECONDS);
        this.client = client;
        this.config = config;
        this.dimensions = List.of(
                Dimension.builder().name("Cluster").value(cluster).build(),
                Dimension.builder().name("Node").value(node).build());
        this.dimensionBytes = dimensions.stream()
                .mapToInt(d -> utf8(d.name()) + utf8(d.value()))
                .sum();
        this.failures = registry.counter(FAILURES);
        this.skipped = registry.counter(SKIPPED);
    }

    /** {@code on}: the agent's own metrics; {@code all}: every metric, the engine's included. */
    private static MetricFilter filter(CloudWatchConfig.Monitoring monitoring) {
        return monitoring == CloudWatchConfig.Monitoring.ALL
                ? MetricFilter.ALL
                : (name, metric) -> name.startsWith("steward_") && !name.startsWith("steward_cloudwatch_");
    }

    @Override
    @SuppressWarnings("rawtypes")
    public void report(
            SortedMap<String, Gauge> gauges,
            SortedMap<String, Counter> counters,
            SortedMap<String, Histogram> histograms,
            SortedMap<String, Meter> meters,
            SortedMap<String, Timer> timers) {
        Instant now = Instant.now();
        List<Outgoing> outgoing = new ArrayList<>();
        gauges.forEach((name, gauge) -> {
            if (gauge.getValue() instanceof Number number) {
                value(name, number.doubleValue(), StandardUnit.NONE, now, OptionalLong.empty())
                        .ifPresent(outgoing::add);
            }
        });
        counters.forEach((name, counter) -> count(name, counter, now).ifPresent(outgoing::add));
        meters.forEach((name, meter) -> count(name, meter, now).ifPresent(outgoing::add));
        histograms.forEach(
                (name, histogram) -> statistics(name, histogram, histogram.getSnapshot(), 1.0, StandardUnit.NONE, now)
                        .ifPresent(outgoing::add));
        timers.forEach(
                (name, timer) -> statistics(name, timer, timer.getSnapshot(), 1e-6, StandardUnit.MILLISECONDS, now)
                        .ifPresent(outgoing::add));
        send(outgoing);
    }

    private Optional<Outgoing> count(String name, Counting counting, Instant now) {
        long total = counting.getCount();
        return value(name, total - sentCounts.getOrDefault(name, 0L), StandardUnit.COUNT, now, OptionalLong.of(total));
    }

    /** The samples since the last accepted push; the snapshot's mean, min and max stand in for theirs. */
    private Optional<Outgoing> statistics(
            String name, Counting counting, Snapshot snapshot, double scale, StandardUnit unit, Instant now) {
        long total = counting.getCount();
        long samples = total - sentCounts.getOrDefault(name, 0L);
        if (samples <= 0) {
            return Optional.empty();
        }
        double min = snapshot.getMin() * scale;
        double max = snapshot.getMax() * scale;
        double sum = snapshot.getMean() * scale * samples;
        if (!acceptable(name, min) || !acceptable(name, max) || !acceptable(name, sum)) {
            return Optional.empty();
        }
        MetricDatum datum = MetricDatum.builder()
                .metricName(name)
                .dimensions(dimensions)
                .timestamp(now)
                .unit(unit)
                .statisticValues(StatisticSet.builder()
                        .sampleCount((double) samples)
                        .sum(sum)
                        .minimum(min)
                        .maximum(max)
                        .build())
                .build();
        return Optional.of(new Outgoing(datum, estimatedBytes(name), OptionalLong.of(total)));
    }

    private Optional<Outgoing> value(
            String name, double value, StandardUnit unit, Instant now, OptionalLong reachesCount) {
        if (!acceptable(name, value)) {
            return Optional.empty();
        }
        MetricDatum datum = MetricDatum.builder()
                .metricName(name)
                .dimensions(dimensions)
                .timestamp(now)
                .unit(unit)
                .value(value)
                .build();
        return Optional.of(new Outgoing(datum, estimatedBytes(name), reachesCount));
    }

    /** CloudWatch rejects the whole request for one bad datum, so a bad one is left out (and counted) instead. */
    private boolean acceptable(String name, double value) {
        if (Double.isFinite(value) && Math.abs(value) <= MAX_MAGNITUDE && name.length() <= MAX_NAME_LENGTH) {
            return true;
        }
        skipped.inc();
        return false;
    }

    private int estimatedBytes(String name) {
        return utf8(name) + dimensionBytes + DATUM_OVERHEAD_BYTES;
    }

    private static int utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** In batches within PutMetricData's limits; the counts a batch carries are settled once it is accepted. */
    private void send(List<Outgoing> outgoing) {
        try {
            int budget = MAX_REQUEST_BYTES - utf8(config.namespace()) - DATUM_OVERHEAD_BYTES;
            int from = 0;
            while (from < outgoing.size()) {
                int to = from;
                int bytes = 0;
                while (to < outgoing.size()
                        && to - from < MAX_DATUMS
                        && (to == from || bytes + outgoing.get(to).bytes() <= budget)) {
                    bytes += outgoing.get(to++).bytes();
                }
                List<Outgoing> batch = outgoing.subList(from, to);
                client.putMetricData(request(batch));
                batch.forEach(sent -> sent.reachesCount()
                        .ifPresent(count -> sentCounts.put(sent.datum().metricName(), count)));
                from = to;
            }
            if (failing) {
                log.info("CloudWatch accepts metrics again");
            }
            failing = false;
        } catch (SdkException e) {
            failures.inc();
            if (!failing) {
                log.warn(
                        "CloudWatch refused or missed the metrics: {}; trying again every {} s",
                        e.getMessage(),
                        config.interval().toSeconds());
            }
            failing = true;
        }
    }

    private PutMetricDataRequest request(List<Outgoing> batch) {
        PutMetricDataRequest.Builder request = PutMetricDataRequest.builder()
                .namespace(config.namespace())
                .metricData(batch.stream().map(Outgoing::datum).toList());
        if (stopping) {
            request.overrideConfiguration(o -> o.apiCallTimeout(LAST_PUSH_TIMEOUT));
        }
        return request.build();
    }

    /** Stops the schedule and pushes one last time (the base class does), so that what happened last is not lost. */
    @Override
    public void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        super.stop();
        client.close();
    }
}
