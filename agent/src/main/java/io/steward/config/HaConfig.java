package io.steward.config;

import java.time.Duration;

/**
 * How the HA loop behaves.
 *
 * @param loopWait time between two ticks of the loop (a tick also runs at once on any cluster change)
 * @param maximumLagOnFailover a replica further behind than this (bytes) never promotes
 * @param primaryStartTimeout how long the lease holder keeps trying to restart its own stopped server before it
 *        releases the lease for a failover
 * @param synchronousMode the primary names one synchronous standby; only that standby may be promoted
 * @param synchronousModeStrict with no standby available, writes block rather than going asynchronous
 */
public record HaConfig(Duration loopWait, long maximumLagOnFailover, Duration primaryStartTimeout,
                       boolean synchronousMode, boolean synchronousModeStrict) {
}
