package io.steward.engine;

/**
 * A server whose data volumes ({@link Engine#dataPaths()}), snapshotted while it is held, make a backup that restores
 * to a consistent database.
 */
public non-sealed interface VolumeSnapshots extends Capability {

    /**
     * Prepares the running server for a snapshot of its volumes (a backup started on a connection held until the
     * hold is released), so that the snapshot restores to a consistent database.
     */
    SnapshotHold holdForSnapshot(String label);
}
