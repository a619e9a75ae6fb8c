package io.steward.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How the engine's archiving is doing, for {@code /health} and the metrics: a backlog is for alerting, not a reason
 * to call the node unhealthy.
 *
 * @param ready files waiting to be archived (those the server has marked ready for its archive command)
 * @param oldestReadyAge how long the oldest of them has been waiting
 * @param lastArchived the last file archived, and when (empty while the server is down or before the first)
 * @param failures archive attempts that failed since the statistics were reset
 * @param lastFailed the last file whose archiving failed, when one did
 */
public record ArchiveStatus(
        int ready,
        Optional<Duration> oldestReadyAge,
        Optional<String> lastArchived,
        Optional<Instant> lastArchivedAt,
        long failures,
        Optional<String> lastFailed) {}
