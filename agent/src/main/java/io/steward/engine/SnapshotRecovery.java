package io.steward.engine;

import io.steward.progress.Progress;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A server that starts from a snapshot set's restored volumes: as the primary of a new history (a restore), or as a
 * replica (the seed of a new replica, instead of a copy over the network, which {@code backup.snapshots.seed_replicas}
 * needs). Without it a restore is refused before any volume is made.
 */
public non-sealed interface SnapshotRecovery extends Capability {

    /**
     * Starts a server on a data directory restored from a snapshot set, as the writable primary of a new history:
     * writes the set's files (such as a backup label) into it, replays the archive up to
     * {@code targetTime} (or as far as it reaches), and returns once the server takes writes.
     *
     * @param progress told of each step, and every few seconds how far replay has come (position, last replayed
     *        transaction's time, the target); its elapsed times count from the start of recovery
     * @throws EngineException when the data directory is not a restored one, the archive cannot be read, or it
     *         ends before the target
     */
    void recoverFromSnapshot(Map<String, String> files, Optional<Instant> targetTime, Consumer<Progress> progress);

    /**
     * Starts a server on a data directory restored from a snapshot set as a replica of {@code primary}: writes the
     * set's files, then catches up from the archive and the primary.
     */
    void startReplicaFromSnapshot(Map<String, String> files, Peer primary);
}
