package io.steward.ha;

import io.steward.coordination.ClusterStore;
import io.steward.coordination.ClusterView;
import io.steward.coordination.HistoryEntry;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.coordination.Synced;
import io.steward.coordination.TransferRequest;
import io.steward.engine.Engine;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.Role;
import io.steward.guard.GuardException;
import io.steward.metrics.AgentMetrics;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the decisions that move the lease or stop writes: creating the cluster, taking the lease over, reclaiming
 * this agent's own, handing it over, releasing it, and fencing. Every choice was {@link HaRules}'; this does it, in the
 * order that keeps a server from taking writes without the lease (the guard armed before it becomes primary, the lease
 * given up only once it stopped).
 */
final class LeaseActions {
    private static final Logger log = LoggerFactory.getLogger(LeaseActions.class);
    /** How long a switchover waits for its candidate to have everything the primary wrote. */
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(30);

    private static final Duration CATCH_UP_POLL = Duration.ofMillis(50);

    private final ClusterStore store;
    private final Engine engine;
    private final LoopCapabilities capabilities;
    private final LeaseGuard lease;
    private final FailsafeMode failsafe;
    private final AgentMetrics metrics;
    private final Clock clock;

    LeaseActions(
            ClusterStore store,
            Engine engine,
            LoopCapabilities capabilities,
            LeaseGuard lease,
            FailsafeMode failsafe,
            AgentMetrics metrics,
            Clock clock) {
        this.store = store;
        this.engine = engine;
        this.capabilities = capabilities;
        this.lease = lease;
        this.failsafe = failsafe;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Claims the right to create the cluster, takes the first lease and creates it from {@code seed}. */
    void initializeCluster(ClusterView view, Policy policy, HaLoop.ClusterSeed seed) {
        if (policy.engineElectsPrimary()) {
            initializeElectingCluster(policy.self());
            return;
        }
        String self = policy.self();
        try (HaLoop.NewCluster newCluster = seed.prepare()) {
            if (!store.claimInitialization(self)) {
                log.info("another member claimed cluster creation first");
                return;
            }
            Optional<Synced<Lease>> taken =
                    store.tryAcquireLease(self, view.epoch(), policy.ha().synchronousMode());
            if (taken.isEmpty()) {
                store.abandonInitialization(self);
                return;
            }
            long epoch = becomeHolder(taken.get());
            try {
                lease.arm();
                newCluster.create().run();
            } catch (EngineException | GuardException e) {
                lease.disarm();
                store.releaseLease(self);
                store.abandonInitialization(self);
                lease.update(LeaseHold::lost);
                throw e;
            }
            store.appendHistory(new HistoryEntry(
                    epoch,
                    self,
                    Optional.empty(),
                    "cluster created",
                    engine.probe().position(),
                    clock.currentTimeMillis()));
            log.info("created the cluster; primary of epoch {}", epoch);
        }
    }

    /** The database elects its primary itself: the claim keeps two members from creating two clusters, no lease is taken. */
    private void initializeElectingCluster(String self) {
        if (!store.claimInitialization(self)) {
            log.info("another member claimed cluster creation first");
            return;
        }
        try {
            capabilities.membership().initializeNewCluster();
        } catch (EngineException e) {
            store.abandonInitialization(self);
            throw e;
        }
        EngineStatus created = engine.probe();
        store.appendHistory(new HistoryEntry(
                created.timeline(),
                self,
                Optional.empty(),
                "cluster created",
                created.position(),
                clock.currentTimeMillis()));
        log.info("created the cluster; its database elects the primary from now on (term {})", created.timeline());
    }

    /**
     * The lease still names this node, from a session of this agent that is gone: take it over in the same write that
     * removes it, so that nobody can take it in between (the server, still primary on its members' failsafe
     * confirmations or already read-only, goes on from there under the new epoch).
     */
    void reclaim(ClusterView view, Policy policy) {
        Lease stale = view.lease().orElseThrow();
        Optional<Synced<Lease>> taken = store.reclaimLease(
                policy.self(), stale, view.epoch(), policy.ha().synchronousMode());
        if (taken.isEmpty()) {
            log.info("the lease of epoch {} changed before it could be reclaimed", view.epoch());
            return;
        }
        long epoch = becomeHolder(taken.get());
        store.appendHistory(new HistoryEntry(
                epoch,
                policy.self(),
                Optional.of(policy.self()),
                "lease reclaimed from this agent's earlier ZooKeeper session",
                engine.probe().position(),
                clock.currentTimeMillis()));
        log.info(
                "took over this agent's own lease of epoch {} (session {}) as epoch {}",
                stale.epoch(),
                Long.toHexString(stale.sessionId()),
                epoch);
    }

    /**
     * Takes the free lease, bumping the epoch, and promotes the local server.
     *
     * @param previous who held the lease before, for the history
     */
    void takeOver(
            ClusterView view,
            EngineStatus probed,
            Policy policy,
            Action.TakeoverReason reason,
            Optional<String> previous) {
        String self = policy.self();
        Optional<Synced<Lease>> taken =
                store.tryAcquireLease(self, view.epoch(), policy.ha().synchronousMode());
        if (taken.isEmpty()) {
            log.info("another member took the lease after epoch {} first", view.epoch());
            return;
        }
        long epoch = becomeHolder(taken.get());
        try {
            lease.arm();
            capabilities.replication().promote();
        } catch (EngineException e) {
            // A half-promoted server must not keep a lease it cannot serve: stop it and let another member try.
            log.error("promotion failed after taking the lease of epoch {}: {}; releasing it", epoch, e.getMessage());
            fence("promotion failed", epoch);
            store.releaseLease(self);
            lease.update(LeaseHold::lost);
            return;
        }
        metrics.promoted();
        store.appendHistory(new HistoryEntry(
                epoch,
                self,
                previous.filter(holder -> !holder.equals(self)),
                reason.toString(),
                probed.position(),
                clock.currentTimeMillis()));
        log.info("promoted to primary of epoch {} ({})", epoch, reason);
    }

    /** Took the lease: ours until the write that took it proves the session alive. Returns its epoch. */
    private long becomeHolder(Synced<Lease> taken) {
        return lease.update(hold -> LeaseHold.taken(taken, clock.nanoTime())).epoch();
    }

    /**
     * Stops the primary cleanly and, for a switchover, waits until {@code candidate} has everything it wrote, then
     * releases the lease to it; a candidate that does not catch up in time, or leaves or starts shutting down meanwhile,
     * leaves this node primary and the request cancelled.
     */
    void handOver(MemberInfo candidate, boolean waitForCatchUp, EngineStatus before, String self) {
        long finalPosition = stopPrimary(before);
        Optional<String> missed = waitForCatchUp ? awaitCatchUp(candidate.name(), finalPosition) : Optional.empty();
        if (missed.isPresent()) {
            log.warn("{}; staying primary and cancelling the switchover", missed.get());
            lease.arm();
            capabilities.replication().startAsPrimary();
            store.clearTransfer();
            return;
        }
        releaseTo(candidate, finalPosition, self);
    }

    /**
     * A primary that shuts down hands over to {@code successor} ({@link StopRules}) as a switchover; one that does not
     * catch up, or leaves or starts shutting down meanwhile, gets nothing: the lease is released at once, the server
     * staying stopped, and whoever is left fails over.
     */
    void handOverOnStop(MemberInfo successor, EngineStatus before, String self, long epoch) {
        store.requestTransfer(new TransferRequest(
                TransferRequest.Kind.SWITCHOVER, self, Optional.of(successor.name()), clock.currentTimeMillis()));
        long finalPosition = stopPrimary(before);
        Optional<String> missed = awaitCatchUp(successor.name(), finalPosition);
        if (missed.isPresent()) {
            log.warn(
                    "shutting down: {}; releasing the lease at once, the server stopped [epoch {}]",
                    missed.get(),
                    epoch);
            store.clearTransfer();
            store.releaseLease(self);
            lease.update(LeaseHold::lost);
            return;
        }
        releaseTo(successor, finalPosition, self);
    }

    /** Stops the primary cleanly; returns the last position it wrote. */
    private long stopPrimary(EngineStatus before) {
        engine.stop();
        lease.disarm();
        return Math.max(before.position(), engine.probe().position());
    }

    private void releaseTo(MemberInfo candidate, long finalPosition, String self) {
        store.releaseLease(self);
        lease.update(LeaseHold::lost);
        log.info("handed the lease to {} at position {}", candidate.name(), finalPosition);
    }

    /** Empty once {@code candidate} has reached {@code position}; otherwise why it will not. */
    private Optional<String> awaitCatchUp(String candidate, long position) {
        long deadline = clock.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
        while (clock.nanoTime() < deadline) {
            Optional<MemberInfo> member = store.read().member(candidate);
            // a candidate shutting down would not take the lease, caught up or not
            Optional<String> gone = StopRules.candidateGone(candidate, member);
            if (gone.isPresent()) {
                return gone;
            }
            if (member.get().position() >= position) {
                return Optional.empty();
            }
            clock.sleep(CATCH_UP_POLL);
        }
        return Optional.of(
                candidate + " did not reach position " + position + " within " + CATCH_UP_TIMEOUT.toSeconds() + " s");
    }

    /** Gives the lease up, the local server stopped (or fenced, when it runs but does not answer) first. */
    void release(String self, long epoch) {
        Role role = engine.probe().role();
        if (role == Role.PRIMARY) {
            engine.stop();
        } else if (role == Role.STOPPED && capabilities.replication().serverProcessAlive()) {
            // a server that runs but does not answer (hung, swapping, stopped by a signal) takes writes again once
            // it wakes up, and by then another node may be primary
            log.warn("fencing the unresponsive local server before giving up the lease [epoch {}]", epoch);
            capabilities.replication().fence();
        }
        lease.disarm();
        store.releaseLease(self);
        lease.update(LeaseHold::lost);
    }

    /** Stops the local server from taking writes now. */
    void fence(String why, long epoch) {
        log.warn("fencing the local primary: {} [epoch {}]", why, epoch);
        capabilities.replication().fence();
        lease.disarm();
        failsafe.withdraw();
    }
}
