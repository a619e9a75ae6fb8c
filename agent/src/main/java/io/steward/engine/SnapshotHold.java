package io.steward.engine;

/**
 * An engine's preparation for a snapshot of its volumes, open from {@link VolumeSnapshots#holdForSnapshot} until released.
 * While it is open the volumes may be frozen and snapshotted; what {@link #release()} returns is kept with the
 * snapshot set, because a restore needs it beside the volumes' content.
 */
public interface SnapshotHold extends AutoCloseable {

    /** The replication position at which the hold began: a restore replays from here. */
    long startPosition();

    /** The engine's history counter when the hold began. */
    long timeline();

    /** Ends the hold once every snapshot has been taken. */
    SnapshotMarks release();

    /** Abandons the hold without a result (the snapshot failed); harmless after {@link #release()}; never throws. */
    @Override
    void close();
}
