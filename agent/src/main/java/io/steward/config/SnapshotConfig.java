package io.steward.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * EBS snapshot sets of the node's data volumes (YAML section {@code backup.snapshots}); their catalog lives in the
 * backup store ({@code backup.store}).
 *
 * @param enabled whether this node takes snapshot sets at all (on demand or on schedule)
 * @param schedule the shortest retention class taken on schedule; empty: on demand only
 * @param onReplica take scheduled sets on a replica (the first healthy one by name) rather than on the primary
 * @param retention how long each class is kept
 * @param completionTimeout how long EBS may take to complete a set's snapshots before the set counts as failed
 * @param seedReplicas a new replica starts from the newest set instead of a copy from the primary
 */
public record SnapshotConfig(
        boolean enabled,
        Optional<RetentionClass> schedule,
        boolean onReplica,
        Map<RetentionClass, Duration> retention,
        Duration completionTimeout,
        boolean seedReplicas) {

    public static final Duration DEFAULT_COMPLETION_TIMEOUT = Duration.ofHours(2);

    public SnapshotConfig {
        retention = RetentionClass.completed(retention);
    }

    public static SnapshotConfig disabled() {
        return new SnapshotConfig(false, Optional.empty(), false, Map.of(), DEFAULT_COMPLETION_TIMEOUT, false);
    }

    public Duration retentionOf(RetentionClass retentionClass) {
        return retention.get(retentionClass);
    }

    /** What {@code schedule} accepts (snapshot sets and dumps alike): a retention class, or off. */
    public enum Schedule {
        OFF,
        HOURLY,
        DAILY,
        WEEKLY,
        MONTHLY;

        public Optional<RetentionClass> shortestClass() {
            return this == OFF ? Optional.empty() : Optional.of(RetentionClass.valueOf(name()));
        }
    }
}
