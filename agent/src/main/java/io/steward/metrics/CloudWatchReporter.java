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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClientBuilder;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;
import software.amazon.awssdk.services.cloudwatch.model.StatisticSet;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;

/**
 * Pushes the registry to CloudWatch every interval, with the dimensions Cluster and Node. Gauges are sent as they
 * are; counters, meters, timers and histograms as what happened since the last push (a count, or a statistic set of
 * the samples), so that CloudWatch's Sum and SampleCount over a period mean what they say. Values CloudWatch refuses
 * (not a number, infinite) are skipped and counted. A failed push is counted and logged once per run of failures;
 * the next interval tries again with fresh values.
 */
public final class CloudWatchReporter extends ScheduledReporter {
    public static final String FAILURES = "steward_cloudwatch_failures";
    public static final String SKIPPED = "steward_cloudwatch_skipped_values";
    /** PutMetricData takes at most 1000 datums (and 1 MB, which 1000 of ours stay well below). */
    static final int MAX_DATUMS = 1000;

    private static final Logger log = LoggerFactory.getLogger(CloudWatchReporter.class);

    private final CloudWatchClient client;
    private final CloudWatchConfig config;
    private final List<Dimension> dimensions;
    private final Counter failures;
    private final Counter skipped;
    private final Map<String, Long> lastCounts = new HashMap<>();
    private boolean failing;

    /** Credentials from the default provider chain: the instance role on EC2. */
    public static CloudWatchClient client(CloudWatchConfig config, String region) {
        CloudWatchClientBuilder builder = CloudWatchClient.builder()
                .region(Region.of(region))
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(30)))
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(60)));
        config.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    public CloudWatchReporter(MetricRegistry registry, CloudWatchClient client, CloudWatchConfig config, String cluster,
                              String node) {
        super(registry, "cloudwatch-reporter", filter(config.monitoring()), TimeUnit.SECONDS, TimeUnit.MILLISECONDS);
        this.client = client;
        this.config = config;
        this.dimensions = List.of(Dimension.builder().name("Cluster").value(cluster).build(),
                Dimension.builder().name("Node").value(node).build());
        this.failures = registry.counter(FAILURES);
        this.skipped = registry.counter(SKIPPED);
    }

    /** {@code on}: the agent's own metrics; {@code all}: every metric, the engine's included. */
    private static MetricFilter filter(CloudWatchConfig.Monitoring monitoring) {
        return monitoring == CloudWatchConfig.Monitoring.ALL ? MetricFilter.ALL
                : (name, metric) -> name.startsWith("steward_") && !name.startsWith("steward_cloudwatch_");
    }

    public void start() {
        start(config.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public void report(SortedMap<String, Gauge> gauges, SortedMap<String, Counter> counters,
                       SortedMap<String, Histogram> histograms, SortedMap<String, Meter> meters,
                       SortedMap<String, Timer> timers) {
        Instant now = Instant.now();
        List<MetricDatum> datums = new ArrayList<>();
        gauges.forEach((name, gauge) -> {
            if (gauge.getValue() instanceof Number number) {
                value(name, number.doubleValue(), StandardUnit.NONE, now).ifPresent(datums::add);
            }
        });
        counters.forEach((name, counter) -> count(name, counter, now, datums));
        meters.forEach((name, meter) -> count(name, meter, now, datums));
        histograms.forEach((name, histogram) -> statistics(name, histogram, histogram.getSnapshot(), 1.0, StandardUnit.NONE,
                now, datums));
        timers.forEach((name, timer) -> statistics(name, timer, timer.getSnapshot(), 1e-6, StandardUnit.MILLISECONDS,
                now, datums));
        send(datums);
    }

    private void count(String name, Counting counting, Instant now, List<MetricDatum> datums) {
        long total = counting.getCount();
        Long before = lastCounts.put(name, total);
        value(name, before == null ? total : total - before, StandardUnit.COUNT, now).ifPresent(datums::add);
    }

    /** The samples since the last push; the snapshot's min and max stand in for theirs. */
    private void statistics(String name, Counting counting, Snapshot snapshot, double scale, StandardUnit unit, Instant now,
                            List<MetricDatum> datums) {
        long total = counting.getCount();
        Long before = lastCounts.put(name, total);
        long samples = before == null ? total : total - before;
        if (samples <= 0) {
            return;
        }
        double mean = snapshot.getMean() * scale;
        double min = snapshot.getMin() * scale;
        double max = snapshot.getMax() * scale;
        if (!Double.isFinite(mean) || !Double.isFinite(min) || !Double.isFinite(max)) {
            skipped.inc();
            return;
        }
        datums.add(MetricDatum.builder().metricName(name).dimensions(dimensions).timestamp(now).unit(unit)
                .statisticValues(StatisticSet.builder().sampleCount((double) samples).sum(mean * samples)
                        .minimum(min).maximum(max).build()).build());
    }

    private Optional<MetricDatum> value(String name, double value, StandardUnit unit, Instant now) {
        if (!Double.isFinite(value)) {
            skipped.inc();
            return Optional.empty();
        }
        return Optional.of(MetricDatum.builder().metricName(name).dimensions(dimensions).timestamp(now)
                .unit(unit).value(value).build());
    }

    private void send(List<MetricDatum> datums) {
        try {
            for (int from = 0; from < datums.size(); from += MAX_DATUMS) {
                List<MetricDatum> batch = datums.subList(from, Math.min(datums.size(), from + MAX_DATUMS));
                client.putMetricData(r -> r.namespace(config.namespace()).metricData(batch));
            }
            if (failing) {
                log.info("CloudWatch accepts metrics again");
            }
            failing = false;
        } catch (SdkException e) {
            failures.inc();
            if (!failing) {
                log.warn("CloudWatch refused or missed the metrics: {}; trying again every {} s", e.getMessage(),
                        config.interval().toSeconds());
            }
            failing = true;
        }
    }

    /** Pushes once more, so that what happened last is not lost, then stops. */
    @Override
    public void stop() {
        report();
        super.stop();
        client.close();
    }
}
