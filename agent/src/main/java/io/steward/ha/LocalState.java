package io.steward.ha;

import io.steward.engine.EngineStatus;
import java.time.Duration;
import java.util.Optional;

/**
 * What the HA loop knows about this node when it decides.
 *
 * @param engine this tick's probe of the local database
 * @param coordinationReadable whether this tick's read of ZooKeeper succeeded (else the view is the last one read)
 * @param holdsLease whether the lease znode belongs to this agent's current ZooKeeper session
 * @param leaseStillValid whether, by the fencing deadline, the lease cannot yet have passed to another node
 * @param primaryDownFor while holding the lease: how long the local server has not been a running primary
 * @param lastPrimaryPosition the last position the primary published while alive, -1 when never seen
 * @param leaderlessFor how long this agent has seen no lease holder (zero when there is one)
 * @param rejoinFailed the last attempt to rejoin as a replica could not rewind: only a fresh clone will do
 * @param reinitializeRequested an operator asked this node to clone again
 * @param standingAside why this node may not take the primary's role for now (its fence guard could not start, or
 *        it confirmed a primary's failsafe call)
 * @param failsafeConfirmed failsafe mode: every member this primary counts on has confirmed, recently enough, that it
 *        cannot reach ZooKeeper either, so the server may take writes though the lease cannot be proven
 * @param staleLeaseOfOurs the lease names this node, from an earlier ZooKeeper session of this same agent, which is gone
 * @param rejoinNeedsOperator the last attempt to follow the current primary could not rewind, and the engine leaves the
 *        next step (a new clone) to an operator: why
 */
public record LocalState(
        EngineStatus engine,
        boolean coordinationReadable,
        boolean holdsLease,
        boolean leaseStillValid,
        Optional<Duration> primaryDownFor,
        long lastPrimaryPosition,
        Duration leaderlessFor,
        boolean rejoinFailed,
        boolean reinitializeRequested,
        Optional<String> standingAside,
        boolean failsafeConfirmed,
        boolean staleLeaseOfOurs,
        Optional<String> rejoinNeedsOperator) {}
