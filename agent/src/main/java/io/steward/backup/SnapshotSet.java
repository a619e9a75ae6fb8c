package io.steward.backup;

import io.steward.config.RetentionClass;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot set as the catalog keeps it in S3: the snapshots of every data volume of one node, taken together
 * while the filesystems were frozen, and what a restore needs beside them.
 *
 * @param id the set's id, sortable by time ({@code 20261122T093000Z-db01})
 * @param cluster the cluster the node belonged to
 * @param node the member it was taken on
 * @param role the member's role then (primary or replica)
 * @param epoch the cluster's epoch then
 * @param availabilityZone where the volumes were
 * @param retention its retention class
 * @param createdAt when the hold began
 * @param consistentAt when the hold ended: a point-in-time restore from this set can reach any time after it
 * @param expiresAt when the purge deletes it
 * @param status how far it got
 * @param failure why it failed, when it did
 * @param startPosition the engine's position when the hold began (restore replays from here)
 * @param endPosition the position a restore must reach to be consistent, once known
 * @param timeline the engine's history counter
 * @param frozenMillis how long the filesystems stayed frozen
 * @param volumes one entry per volume
 * @param files what the engine handed over (e.g. a backup label), for a restore to write back
 */
public record SnapshotSet(
        String id,
        String cluster,
        String node,
        String role,
        long epoch,
        String availabilityZone,
        RetentionClass retention,
        Instant createdAt,
        Optional<Instant> consistentAt,
        Instant expiresAt,
        Status status,
        Optional<String> failure,
        long startPosition,
        long endPosition,
        long timeline,
        long frozenMillis,
        List<SnapshotVolume> volumes,
        Map<String, String> files) {

    public enum Status {
        /** The hold and the freeze are under way. */
        TAKING,
        /** Every snapshot exists and the engine's marks are kept; EBS is still copying. */
        PENDING,
        /** Every snapshot is complete: the set can be restored. */
        COMPLETED,
        /** Something failed; the set cannot be restored and its snapshots were deleted. */
        FAILED
    }

    public SnapshotSet {
        failure = failure == null ? Optional.empty() : failure;
        consistentAt = consistentAt == null ? Optional.empty() : consistentAt;
        volumes = List.copyOf(volumes);
        files = Map.copyOf(files);
    }

    public boolean restorable() {
        return status == Status.COMPLETED;
    }

    public SnapshotSet withStatus(Status newStatus, Optional<String> why) {
        return new SnapshotSet(
                id,
                cluster,
                node,
                role,
                epoch,
                availabilityZone,
                retention,
                createdAt,
                consistentAt,
                expiresAt,
                newStatus,
                why,
                startPosition,
                endPosition,
                timeline,
                frozenMillis,
                volumes,
                files);
    }
}
