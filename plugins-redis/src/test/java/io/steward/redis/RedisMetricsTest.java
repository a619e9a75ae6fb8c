package io.steward.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The gauges read from INFO replies captured from Debian's redis-server 7.0.15 (resources {@code info-7.0-*.txt},
 * CRLF as on the wire): a primary with AOF on, two replicas, 15 + 2 keys in db0 and db3, one expired key and a
 * subscriber; one of its replicas; and that replica 2 s after the primary was SIGKILLed.
 */
class RedisMetricsTest {
    private final MetricRegistry registry = new MetricRegistry();
    private final AtomicLong now = new AtomicLong();
    private final RedisMetrics metrics = new RedisMetrics(registry, now::get);

    @Test
    void aPrimaryReportsTheBooksMonitorList() {
        metrics.update(info("info-7.0-primary.txt"), OptionalLong.of(2));

        assertThat(value("up")).isEqualTo(1);
        assertThat(value("role")).isEqualTo(2);
        assertThat(value("used_memory_bytes")).isEqualTo(1255600L);
        assertThat(value("used_memory_peak_bytes")).isEqualTo(1255600L);
        assertThat(value("used_memory_rss_bytes")).isEqualTo(7254016L);
        assertThat(value("memory_fragmentation_ratio")).isEqualTo(5.97);
        assertThat(value("connected_clients")).isEqualTo(2L);
        assertThat(value("blocked_clients")).isEqualTo(0L);
        assertThat(value("client_recent_max_input_buffer_bytes")).isEqualTo(20480L);
        assertThat(value("client_recent_max_output_buffer_bytes")).isEqualTo(20504L);
        assertThat(value("connected_replicas")).isEqualTo(2L);
        assertThat(value("expired_keys")).isEqualTo(1L);
        assertThat(value("evicted_keys")).isEqualTo(0L);
        assertThat(value("pubsub_channels")).isEqualTo(1L);
        assertThat(value("pubsub_patterns")).isEqualTo(0L);
        assertThat(value("loading")).isEqualTo(0L);
        assertThat(value("rdb_bgsave_in_progress")).isEqualTo(0L);
        assertThat(value("rdb_changes_since_last_save")).isEqualTo(18L);
        assertThat(value("rdb_last_save_time_seconds")).isEqualTo(1796177926L);
        assertThat(value("rdb_last_bgsave_ok")).isEqualTo(1);
        assertThat(value("slowlog_length")).isEqualTo(2L);
        assertThat(value("replication_offset")).isEqualTo(868L);
        assertThat(value("db0_keys")).isEqualTo(15L);
        assertThat(value("db0_expires")).isEqualTo(4L);
        assertThat(value("db3_keys")).isEqualTo(2L);
        assertThat(value("db3_expires")).isEqualTo(1L);
        assertThat(registry.getGauges()).doesNotContainKey(RedisMetrics.PREFIX + "db1_keys");
    }

    @Test
    void aofStatisticsOnlyWhileAofIsOn() {
        metrics.update(info("info-7.0-primary.txt"), OptionalLong.empty());
        assertThat(value("aof_enabled")).isEqualTo(1L);
        assertThat(value("aof_current_size_bytes")).isEqualTo(831L);
        assertThat(value("aof_base_size_bytes")).isEqualTo(0L);
        assertThat(value("aof_buffer_length_bytes")).isEqualTo(0L);
        assertThat(value("aof_rewrite_in_progress")).isEqualTo(0L);
        assertThat(value("aof_last_write_ok")).isEqualTo(1);
        assertThat(value("aof_last_bgrewrite_ok")).isEqualTo(1);
        assertThat(value("slowlog_length")).as("SLOWLOG LEN did not answer").isNull();

        metrics.update(info("info-7.0-replica.txt"), OptionalLong.empty());
        assertThat(value("aof_enabled")).isEqualTo(0L);
        assertThat(value("aof_current_size_bytes")).isNull();
        assertThat(value("aof_last_write_ok")).isNull();
    }

    @Test
    void aStreamingReplicaReportsItsLinkToThePrimary() {
        metrics.update(info("info-7.0-replica.txt"), OptionalLong.of(0));

        assertThat(value("role")).isEqualTo(1);
        assertThat(value("replication_offset")).isEqualTo(868L);
        assertThat(value("master_link_up")).isEqualTo(1);
        assertThat(value("master_link_down_seconds")).isEqualTo(0L);
        assertThat(value("master_last_io_seconds")).isEqualTo(2L);
        assertThat(value("connected_replicas")).isEqualTo(0L);
        assertThat(value("db0_keys")).isEqualTo(15L);
    }

    @Test
    void aReplicaWhosePrimaryDiedReportsHowLongTheLinkIsDown() {
        metrics.update(info("info-7.0-replica-link-down.txt"), OptionalLong.of(0));

        assertThat(value("master_link_up")).isEqualTo(0);
        assertThat(value("master_link_down_seconds")).isEqualTo(2L);
        assertThat(value("master_last_io_seconds"))
                .as("Redis prints -1: no I/O on a link that is down")
                .isNull();
    }

    @Test
    void theLinkToAPrimaryIsNoMetricOfAPrimary() {
        metrics.update(info("info-7.0-primary.txt"), OptionalLong.of(0));

        assertThat(value("master_link_up")).isNull();
        assertThat(value("master_link_down_seconds")).isNull();
        assertThat(value("master_last_io_seconds")).isNull();
    }

    @Test
    void anEmptiedDatabaseCountsZeroKeys() {
        metrics.update(info("info-7.0-primary.txt"), OptionalLong.of(0));
        String withoutDb3 = text("info-7.0-primary.txt").replaceAll("db3:[^\r\n]*\r\n", "");
        metrics.update(RedisInfo.parse(withoutDb3), OptionalLong.of(0));

        assertThat(value("db3_keys")).isEqualTo(0L);
        assertThat(value("db3_expires")).isEqualTo(0L);
        assertThat(value("db0_keys")).isEqualTo(15L);
    }

    @Test
    void nothingButUpIsReportedWhileTheServerIsDown() {
        metrics.update(info("info-7.0-primary.txt"), OptionalLong.of(2));
        metrics.unknown();

        assertThat(value("up")).isEqualTo(0);
        registry.getGauges((name, metric) -> !name.equals(RedisMetrics.PREFIX + "up"))
                .forEach((name, gauge) -> assertThat(gauge.getValue()).as(name).isNull());
    }

    @Test
    void aReadingOlderThanTheMaximumAgeIsDropped() {
        metrics.update(info("info-7.0-primary.txt"), OptionalLong.of(2));
        now.addAndGet(RedisMetrics.MAX_AGE.toNanos());
        assertThat(value("used_memory_bytes")).as("just at the limit").isEqualTo(1255600L);

        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(value("up")).isEqualTo(0);
        assertThat(value("used_memory_bytes")).isNull();
        assertThat(value("db0_keys")).isNull();
    }

    @Test
    void closingRemovesEveryGaugeItRegistered() {
        metrics.update(info("info-7.0-primary.txt"), OptionalLong.of(2));
        assertThat(registry.getGauges()).containsKey(RedisMetrics.PREFIX + "db3_keys");

        metrics.close();

        assertThat(registry.getMetrics()).isEmpty();
    }

    private Object value(String name) {
        Gauge<?> gauge = registry.getGauges().get(RedisMetrics.PREFIX + name);
        assertThat(gauge).as("gauge %s", name).isNotNull();
        return gauge.getValue();
    }

    static RedisInfo info(String resource) {
        return RedisInfo.parse(text(resource));
    }

    static String text(String resource) {
        try (InputStream in = RedisMetricsTest.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
