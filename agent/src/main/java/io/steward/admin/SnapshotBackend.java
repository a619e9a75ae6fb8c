package io.steward.admin;

import io.steward.backup.SnapshotSet;
import io.steward.config.RetentionClass;
import java.util.List;

/** What the admin API asks of the agent's snapshot sets. */
public interface SnapshotBackend {

    /** For an agent without {@code backup.snapshots}: every request is refused, saying so. */
    SnapshotBackend NOT_CONFIGURED = new SnapshotBackend() {
        @Override
        public SnapshotSet takeSnapshot(RetentionClass retention) {
            throw new RejectedRequest("snapshot sets are not configured on this node (backup.snapshots)");
        }

        @Override
        public List<SnapshotSet> snapshots() {
            throw new RejectedRequest("snapshot sets are not configured on this node (backup.snapshots)");
        }
    };

    /**
     * Takes a snapshot set of this node's data volumes now and returns it once its snapshots are pending.
     *
     * @throws RejectedRequest when the server is not running or the set failed (the set is then in the catalog as failed)
     */
    SnapshotSet takeSnapshot(RetentionClass retention);

    /** The cluster's snapshot sets from the catalog, oldest first. */
    List<SnapshotSet> snapshots();

    /**
     * How many times this agent has written or deleted an entry of the catalog (a set taken, completed, failed or
     * purged, on request or on schedule): a listing read at a lower count misses some of them. None by default.
     */
    default long catalogWrites() {
        return 0;
    }
}
