package io.steward.redis;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The Redis server's state as gauges in the agent's registry, the monitor list of "Resilience and Reliability on AWS":
 * role, memory, clients, replicas, evicted and expired keys, keys and expires per database, persistence (RDB, and AOF
 * when it is on), slowlog length, pub/sub, loading, replication offset and the replica's link to its primary.
 *
 * <p>The engine's probe feeds it the {@code INFO} reply it reads anyway once per tick; the gauges only read the last
 * reading, so a scrape never waits on the server. A value that is not known now reads as {@code null}, which the
 * Prometheus exposition, JMX and the CloudWatch reporter all leave out, rather than as the last number seen: when the
 * server is down or does not answer, when the last reading is older than {@link #MAX_AGE}, and for fields that do not
 * apply (the link to a primary on a primary, AOF sizes with AOF off). {@code steward_redis_up} says which it is.
 *
 * <p>Counters of the server ({@code expired_keys}, {@code evicted_keys}) are gauges here: they count since the
 * server's start and drop to 0 when it restarts, which a delta of a Dropwizard counter could not follow.
 */
final class RedisMetrics implements AutoCloseable {
    static final String PREFIX = "steward_redis_";
    /**
     * A reading older than this is dropped: the HA loop is busy in a long action (a first sync) or stuck, and an old
     * number must not pass for the present. Twice the longest {@code ha.loop_wait}, so that no healthy loop hits it.
     */
    static final Duration MAX_AGE = Duration.ofMinutes(2);

    /** One probe's INFO, with what is derived from it once rather than on every scrape. */
    private record Reading(
            RedisInfo info,
            ReplicationInfo replication,
            SortedMap<Integer, RedisInfo.Keyspace> keyspace,
            OptionalLong slowlogLength,
            long atNanos) {}

    private final MetricRegistry registry;
    private final LongSupplier nanoTime;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final Set<Integer> databases = ConcurrentHashMap.newKeySet();
    private volatile Reading latest;

    RedisMetrics(MetricRegistry registry) {
        this(registry, System::nanoTime);
    }

    RedisMetrics(MetricRegistry registry, LongSupplier nanoTime) {
        this.registry = registry;
        this.nanoTime = nanoTime;
        register("up", () -> current().isPresent() ? 1 : 0);
        gauge("role", reading -> Optional.of(reading.replication().primary() ? 2 : 1));
        integer("used_memory_bytes", "used_memory");
        integer("used_memory_peak_bytes", "used_memory_peak");
        integer("used_memory_rss_bytes", "used_memory_rss");
        gauge("memory_fragmentation_ratio", reading -> boxed(reading.info().decimal("mem_fragmentation_ratio")));
        integer("connected_clients", "connected_clients");
        integer("blocked_clients", "blocked_clients");
        // Redis 7 replaced client_biggest_input_buf and client_longest_output_list, the book's fields, by these
        integer("client_recent_max_input_buffer_bytes", "client_recent_max_input_buffer");
        integer("client_recent_max_output_buffer_bytes", "client_recent_max_output_buffer");
        integer("connected_replicas", "connected_slaves");
        integer("evicted_keys", "evicted_keys");
        integer("expired_keys", "expired_keys");
        integer("pubsub_channels", "pubsub_channels");
        integer("pubsub_patterns", "pubsub_patterns");
        integer("loading", "loading");
        integer("rdb_bgsave_in_progress", "rdb_bgsave_in_progress");
        integer("rdb_changes_since_last_save", "rdb_changes_since_last_save");
        integer("rdb_last_save_time_seconds", "rdb_last_save_time");
        status("rdb_last_bgsave_ok", "rdb_last_bgsave_status");
        integer("aof_enabled", "aof_enabled");
        aof("aof_current_size_bytes", reading -> boxed(reading.info().integer("aof_current_size")));
        aof("aof_base_size_bytes", reading -> boxed(reading.info().integer("aof_base_size")));
        aof("aof_buffer_length_bytes", reading -> boxed(reading.info().integer("aof_buffer_length")));
        aof("aof_rewrite_in_progress", reading -> boxed(reading.info().integer("aof_rewrite_in_progress")));
        aof("aof_pending_bio_fsync", reading -> boxed(reading.info().integer("aof_pending_bio_fsync")));
        aof("aof_delayed_fsync", reading -> boxed(reading.info().integer("aof_delayed_fsync")));
        aof("aof_last_write_ok", reading -> ok(reading.info(), "aof_last_write_status"));
        aof("aof_last_bgrewrite_ok", reading -> ok(reading.info(), "aof_last_bgrewrite_status"));
        gauge("slowlog_length", reading -> boxed(reading.slowlogLength()));
        gauge(
                "replication_offset",
                reading -> Optional.of(reading.replication().offset()).filter(offset -> offset >= 0));
        replicaOnly("master_link_up", reading -> Optional.of(linkUp(reading) ? 1 : 0));
        replicaOnly(
                "master_link_down_seconds",
                reading -> linkUp(reading)
                        ? Optional.of(0L)
                        : nonNegative(reading.info().integer("master_link_down_since_seconds")));
        replicaOnly(
                "master_last_io_seconds", reading -> nonNegative(reading.info().integer("master_last_io_seconds_ago")));
    }

    /**
     * The probe's INFO reply (all default sections: replication and keyspace included) and the SLOWLOG LEN read
     * beside it, when that answered.
     */
    void update(RedisInfo info, OptionalLong slowlogLength) {
        Reading reading =
                new Reading(info, ReplicationInfo.of(info), info.keyspace(), slowlogLength, nanoTime.getAsLong());
        reading.keyspace().keySet().forEach(this::registerDatabase);
        latest = reading;
    }

    /** The server is down or does not answer: every gauge but {@code steward_redis_up} reads as unknown. */
    void unknown() {
        latest = null;
    }

    /** Removes this engine's gauges from the agent's registry. */
    @Override
    public void close() {
        registered.forEach(registry::remove);
        registered.clear();
    }

    /**
     * A database's gauges appear once it first holds keys and stay: Redis leaves an emptied database out of INFO, and
     * then its count is 0, not unknown.
     */
    private void registerDatabase(int database) {
        if (databases.add(database)) {
            gauge(
                    "db" + database + "_keys",
                    reading -> Optional.of(keyspace(reading, database).keys()));
            gauge(
                    "db" + database + "_expires",
                    reading -> Optional.of(keyspace(reading, database).expires()));
        }
    }

    private static RedisInfo.Keyspace keyspace(Reading reading, int database) {
        return reading.keyspace().getOrDefault(database, new RedisInfo.Keyspace(0, 0));
    }

    private Optional<Reading> current() {
        Reading reading = latest;
        if (reading == null || nanoTime.getAsLong() - reading.atNanos() > MAX_AGE.toNanos()) {
            return Optional.empty();
        }
        return Optional.of(reading);
    }

    private void integer(String name, String field) {
        gauge(name, reading -> boxed(reading.info().integer(field)));
    }

    /** 1 when the field says {@code ok}, 0 otherwise (Redis prints {@code err}). */
    private void status(String name, String field) {
        gauge(name, reading -> ok(reading.info(), field));
    }

    /** AOF statistics are shown only while AOF is on, as Redis itself prints its sizes. */
    private void aof(String name, Function<Reading, Optional<? extends Number>> value) {
        gauge(
                name,
                reading ->
                        reading.info().integer("aof_enabled").orElse(0) == 1 ? value.apply(reading) : Optional.empty());
    }

    private void replicaOnly(String name, Function<Reading, Optional<? extends Number>> value) {
        gauge(name, reading -> reading.replication().primary() ? Optional.empty() : value.apply(reading));
    }

    private void gauge(String name, Function<Reading, Optional<? extends Number>> value) {
        register(name, () -> current().flatMap(value).orElse(null));
    }

    private void register(String name, Gauge<Number> gauge) {
        registry.register(PREFIX + name, gauge);
        registered.add(PREFIX + name);
    }

    private static boolean linkUp(Reading reading) {
        return reading.info().text("master_link_status").filter("up"::equals).isPresent();
    }

    private static Optional<Integer> ok(RedisInfo info, String field) {
        return info.text(field).map(status -> status.equals("ok") ? 1 : 0);
    }

    /** Redis prints -1 for "never" (a link never up since the server started). */
    private static Optional<Long> nonNegative(OptionalLong value) {
        return boxed(value).filter(number -> number >= 0);
    }

    private static Optional<Long> boxed(OptionalLong value) {
        return value.isPresent() ? Optional.of(value.getAsLong()) : Optional.empty();
    }

    private static Optional<Double> boxed(OptionalDouble value) {
        return value.isPresent() ? Optional.of(value.getAsDouble()) : Optional.empty();
    }
}
