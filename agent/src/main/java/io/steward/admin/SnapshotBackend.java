package io.steward.admin;

import io.steward.backup.SnapshotSet;
import io.steward.config.RetentionClass;
import java.util.List;
import java.util.function.Supplier;

/** What the admin API asks of the agent's snapshot sets. */
public interface SnapshotBackend {

    /**
     * For an agent without {@code backup.snapshots} nor {@code backup.store}: it takes no sets, and does not know where
     * the cluster's catalog is. Every request is refused, saying so.
     */
    SnapshotBackend NOT_CONFIGURED = new SnapshotBackend() {
        @Override
        public SnapshotSet takeSnapshot(RetentionClass retention) {
            throw notTaken();
        }

        @Override
        public List<SnapshotSet> snapshots() {
            throw new RejectedRequest("the cluster's snapshot catalog is in the backup store, which this node does "
                    + "not configure (backup.store)");
        }
    };

    /**
     * For an agent without {@code backup.snapshots} that knows the backup store: it takes no sets, but the catalog is
     * the cluster's, so it lists it as any member does.
     *
     * @param catalog the cluster's sets, oldest first
     */
    static SnapshotBackend listingOnly(Supplier<List<SnapshotSet>> catalog) {
        return new SnapshotBackend() {
            @Override
            public SnapshotSet takeSnapshot(RetentionClass retention) {
                throw notTaken();
            }

            @Override
            public List<SnapshotSet> snapshots() {
                return catalog.get();
            }
        };
    }

    private static RejectedRequest notTaken() {
        return new RejectedRequest("snapshot sets are not configured on this node (backup.snapshots)");
    }

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
