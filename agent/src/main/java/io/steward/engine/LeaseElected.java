package io.steward.engine;

import java.util.List;
import java.util.Optional;

/**
 * Replication whose primary Steward elects through its lease: the engine creates the dataset,
 * copies it to replicas, starts, repoints and promotes the server as the core asks, and fences it when the lease can
 * no longer be proven. How its replicas are arranged is declared beside it ({@link ReplicationStyle}).
 */
public non-sealed interface LeaseElected extends Capability {

    /**
     * A cheap local check, without a network round trip, that the server process exists: called every 100 ms
     * between ticks so that a crashed primary is noticed at once rather than at the next tick.
     */
    boolean serverProcessAlive();

    /** Creates a brand new cluster in an empty data directory and starts it as a writable primary. */
    void initializeNewCluster();

    /** Fills an empty data directory with a copy of the primary's and starts it as its replica. */
    void cloneFrom(Peer primary);

    /**
     * Moves the current data directory aside (never deletes it) and clones it again from the primary.
     * For a replica that cannot rejoin any other way.
     */
    void reinitializeFrom(Peer primary);

    /** Starts a stopped server as the writable primary, keeping its data; used to restart the lease holder. */
    void startAsPrimary();

    /**
     * Starts a stopped server as a replica of {@code primary}, or, with no primary, as a replica that only
     * replays what it has (so that its position can be compared while the cluster has no primary).
     * When the local history diverged from the primary's, the engine rewinds it first, or throws
     * {@link RewindFailedException} so that the core can reinitialise.
     */
    void startAsReplica(Optional<Peer> primary);

    /**
     * Repoints a running replica at another primary, rewinding or restarting as needed (throws
     * {@link RewindFailedException} when it cannot rewind). A running primary is stopped first: it was deposed.
     */
    void follow(Peer primary);

    /** Turns a running replica into the writable primary and returns once it accepts writes. */
    void promote();

    /**
     * Stops the server from taking writes right now, because this node can no longer prove it holds the lease.
     * Must be fast, must not depend on anything remote, and must be safe to call from another thread while any
     * other action is under way. A read-only setting is not a fence.
     */
    void fence();

    /**
     * A command line that fences the server without this JVM, run by the fence guard if the agent dies or hangs
     * while its server is the primary.
     */
    List<String> fenceCommand();
}
