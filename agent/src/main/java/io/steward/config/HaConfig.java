package io.steward.config;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How the HA loop behaves. Set per node in the {@code ha:} section; the cluster-wide settings in ZooKeeper
 * ({@code POST /settings}) override them on every node at once.
 *
 * @param loopWait time between two ticks of the loop (a tick also runs at once on any cluster change)
 * @param maximumLagOnFailover a replica further behind than this (bytes) never promotes
 * @param primaryStartTimeout how long the lease holder keeps trying to restart its own stopped server before it
 *        releases the lease for a failover
 * @param synchronousMode the primary names one synchronous standby; only that standby may be promoted
 * @param synchronousModeStrict with no standby available, writes block rather than going asynchronous
 * @param failsafeMode while ZooKeeper cannot be reached (and only then), the primary goes on taking writes for as long
 *        as every member it last saw confirms over the admin API that it cannot reach ZooKeeper either
 */
public record HaConfig(
        Duration loopWait,
        long maximumLagOnFailover,
        Duration primaryStartTimeout,
        boolean synchronousMode,
        boolean synchronousModeStrict,
        boolean failsafeMode) {

    /**
     * Time kept in hand between the moment a lease holder stops taking writes and the earliest moment the ensemble can
     * expire its session: the watchdog's period, stopping the server's writes, and clock-rate differences.
     */
    public static final Duration FENCE_ALLOWANCE = Duration.ofMillis(500);

    public static final HaConfig DEFAULTS =
            new HaConfig(Duration.ofSeconds(1), 1L << 20, Duration.ofSeconds(10), false, false, false);

    /** The keys of an {@code ha:} section, which are also the cluster-wide settings. */
    public static final List<String> KEYS = List.of(
            "loop_wait",
            "maximum_lag_on_failover",
            "primary_start_timeout",
            "synchronous_mode",
            "synchronous_mode_strict",
            "failsafe_mode");

    /** Reads an {@code ha:} section; keys it does not give keep their value in {@code base}. */
    public static HaConfig read(Settings section, HaConfig base) {
        HaConfig config = new HaConfig(
                section.duration("loop_wait", base.loopWait(), Duration.ofMillis(100), Duration.ofSeconds(60)),
                section.size("maximum_lag_on_failover", base.maximumLagOnFailover(), 0, 1L << 40),
                section.duration(
                        "primary_start_timeout", base.primaryStartTimeout(), Duration.ZERO, Duration.ofHours(1)),
                section.bool("synchronous_mode", base.synchronousMode()),
                section.bool("synchronous_mode_strict", base.synchronousModeStrict()),
                section.bool("failsafe_mode", base.failsafeMode()));
        section.rejectUnknownKeys();
        return config;
    }

    /** This configuration with cluster-wide settings (key to text value) laid over it; problems are collected. */
    public HaConfig overriddenBy(Map<String, String> settings, String origin, ConfigProblems problems) {
        ObjectNode tree = JsonNodeFactory.instance.objectNode();
        settings.forEach(tree::put);
        return read(new Settings(origin, tree, problems), this);
    }
}
