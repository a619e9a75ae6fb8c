package io.steward.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Dumps of the whole dataset to S3 (YAML section {@code backup.dumps}), in the backup store ({@code backup.store}) with
 * its compression and encryption, under {@code <prefix>/<cluster>/dumps/}.
 *
 * @param enabled whether this node takes dumps at all (on demand or on schedule)
 * @param schedule the shortest retention class taken on schedule; empty: on demand only
 * @param onReplica take scheduled dumps on a replica (the first healthy one by name) rather than on the primary
 * @param retention how long each class is kept; a dump's class is that of the longest period it is the first of
 * @param partSize a stored dump larger than this goes up in parts of this size (S3 takes at most 5 GiB in one PUT,
 *        and a part that fails is sent again on its own, within {@code backup.store.attempt_timeout})
 */
public record DumpConfig(
        boolean enabled,
        Optional<RetentionClass> schedule,
        boolean onReplica,
        Map<RetentionClass, Duration> retention,
        long partSize) {
    public static final long MIB = 1024 * 1024;
    public static final long DEFAULT_PART_SIZE = 64 * MIB;
    /** S3's limits for every part but the last. */
    public static final long MIN_PART_SIZE = 5 * MIB;

    public static final long MAX_PART_SIZE = 5 * 1024 * MIB;

    public DumpConfig {
        retention = RetentionClass.completed(retention);
    }

    public static DumpConfig disabled() {
        return new DumpConfig(false, Optional.empty(), false, Map.of(), DEFAULT_PART_SIZE);
    }

    public Duration retentionOf(RetentionClass retentionClass) {
        return retention.get(retentionClass);
    }
}
