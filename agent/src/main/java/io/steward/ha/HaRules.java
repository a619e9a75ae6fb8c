package io.steward.ha;

import io.steward.coordination.BadLease;
import io.steward.coordination.ClusterView;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.coordination.TransferRequest;
import io.steward.engine.DataState;
import io.steward.engine.EngineStatus;
import io.steward.engine.ReplicationStyle.CandidateOrder;
import io.steward.engine.ReplicationStyle.Topology;
import io.steward.engine.Role;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The HA decision table: a pure function of (cluster view, local state, policy, clock). Rules are tried in order;
 * the first that applies decides. Nothing here talks to a server.
 */
public final class HaRules {

    /** A transfer request this long past its time (when it was asked for, or scheduled) is dropped: ask again. */
    static final Duration TRANSFER_EXPIRY = Duration.ofMinutes(2);

    private HaRules() {}

    public static Decision decide(ClusterView view, LocalState local, Policy policy, long nowMillis) {
        EngineStatus engine = local.engine();
        if (policy.engineElectsPrimary()) {
            return observerRule(view, local, policy);
        }

        // Safety first: a primary that cannot prove its lease stops taking writes, whatever else is true.
        if (engine.role() == Role.PRIMARY
                && !local.holdsLease()
                && local.coordinationReadable()
                && view.lease().isEmpty()) {
            if (local.failsafeConfirmed() && !view.maintenance()) {
                // every member that could take the lease has promised not to while the confirmations last
                return decision(
                        new Action.TakeOver(Action.TakeoverReason.AFTER_FAILSAFE),
                        "ZooKeeper answers again "
                                + "and no one holds the lease; failsafe mode kept this primary, which takes the lease after epoch "
                                + view.epoch());
            }
            return decision(new Action.Fence(), "running as primary without the lease (epoch " + view.epoch() + ")");
        }
        if (engine.role() == Role.PRIMARY
                && local.holdsLease()
                && !local.leaseStillValid()
                && !local.failsafeConfirmed()) {
            return decision(
                    new Action.Fence(),
                    "cannot prove the lease of epoch " + view.epoch() + " any longer"
                            + (policy.ha().failsafeMode() ? ", and not every member confirmed failsafe mode" : ""));
        }
        if (!local.coordinationReadable()) {
            return unreachableRules(view, local);
        }
        if (!local.holdsLease()
                && view.lease()
                        .filter(lease -> lease.holder().equals(policy.self()))
                        .isPresent()) {
            return staleLeaseRule(view, local);
        }
        if (view.maintenance()) {
            return decision(new Action.Observe(), "maintenance mode: no automatic action (epoch " + view.epoch() + ")");
        }

        if (view.badLease().isPresent()) {
            return badLeaseRules(view, local, view.badLease().get());
        }

        Optional<Decision> data = dataDirectoryRules(view, local, policy);
        if (data.isPresent()) {
            return data.get();
        }
        if (local.holdsLease()) {
            return leaderRules(view, local, policy, nowMillis);
        }
        if (view.lease().isPresent()) {
            return followerRules(view, local, policy, view.lease().get());
        }
        return leaderlessRules(view, local, policy, nowMillis);
    }

    /**
     * The lease names this node, but not its current ZooKeeper session: one the ensemble has not expired yet. When that
     * session was this agent's own (Curator gave it up after a long disconnection, the ensemble not yet), nobody else
     * can be using it, and nobody else could take the lease meanwhile: the agent takes it over at once, in the
     * transaction that removes it, rather than leave the cluster without a primary until the ensemble expires it. A
     * primary does so only while failsafe mode keeps it writable; otherwise it is fenced, as it cannot prove the lease.
     * A lease of a session this agent never had (another process under the same name) is never touched.
     */
    private static Decision staleLeaseRule(ClusterView view, LocalState local) {
        EngineStatus engine = local.engine();
        String stale = "the lease of epoch " + view.epoch() + " names this node from an earlier ZooKeeper session";
        boolean reclaim = local.staleLeaseOfOurs()
                && !view.maintenance()
                && (engine.role() != Role.PRIMARY || local.failsafeConfirmed());
        if (reclaim) {
            return decision(new Action.ReclaimLease(), stale + " of this agent, which is gone; taking it over");
        }
        return engine.role() == Role.PRIMARY
                ? decision(new Action.Fence(), stale + ", which it cannot prove")
                : decision(new Action.Observe(), stale + "; waiting for ZooKeeper to remove it");
    }

    /**
     * ZooKeeper does not answer (the last view is all there is): nobody can be promoted through it, so what matters is
     * that no server takes writes without a provable lease, and that the others keep serving reads. A primary whose
     * lease is still provable goes on; one without a provable lease is fenced (by the rules before this); a stopped
     * server comes back read-only, replicating from nobody, until ZooKeeper names a primary again.
     */
    private static Decision unreachableRules(ClusterView view, LocalState local) {
        EngineStatus engine = local.engine();
        boolean provablyPrimary = local.holdsLease() && (local.leaseStillValid() || local.failsafeConfirmed());
        if (engine.role() == Role.PRIMARY && provablyPrimary) {
            return decision(
                    new Action.Observe(),
                    "ZooKeeper unreachable; "
                            + (local.leaseStillValid()
                                    ? "the lease of epoch " + view.epoch() + " is still provably ours"
                                    : "failsafe mode: every member confirmed, writes go on (epoch " + view.epoch()
                                            + ")"));
        }
        if (engine.role() == Role.PRIMARY) {
            return decision(
                    new Action.Fence(),
                    "running as primary while ZooKeeper is unreachable and no lease of "
                            + "this node can be proven (epoch " + view.epoch() + ")");
        }
        if (engine.role() == Role.STOPPED && engine.dataState() == DataState.VALID && !provablyPrimary) {
            return decision(
                    new Action.StartAsReplica(Optional.empty()),
                    "ZooKeeper unreachable; starting the server "
                            + "read-only, replicating from nobody, so that reads go on until a primary is known (epoch "
                            + view.epoch() + ")");
        }
        return decision(new Action.Observe(), "ZooKeeper unreachable; waiting");
    }

    /**
     * The {@code leader} znode is there but is no lease anyone can use. Nobody may be promoted while it exists, since
     * its holder cannot be known; so that failover still works, it must go:
     * <ul>
     * <li>persistent (written by hand or by a tool): no session holds it, so no member counts it as its lease, and it
     *     would never go away by itself. Any member removes it ({@link io.steward.coordination.ClusterStore#removeStrayLease},
     *     conditional so that a real lease taken meanwhile is never touched).</li>
     * <li>ephemeral, of this node's own session (someone rewrote the content of its lease): only this node can free
     *     it short of its session ending. A primary was fenced by the first rules (it cannot prove a lease it cannot
     *     read); then the znode is given up, and the best replica takes a readable lease.</li>
     * <li>ephemeral, of another session: that session may be a live primary's, so nobody takes over; the znode goes
     *     when its session ends or its agent gives it up (the rule above, on that agent). Meanwhile a stopped server
     *     starts read-only, replicating from nobody, as when ZooKeeper is unreachable.</li>
     * </ul>
     */
    private static Decision badLeaseRules(ClusterView view, LocalState local, BadLease bad) {
        String what = "the leader znode holds " + bad.problem().content() + " ("
                + bad.problem().reason() + ")";
        if (bad.persistent()) {
            return decision(
                    new Action.RemoveStrayLease(bad), what + "; removing it so that a member can take the lease");
        }
        if (bad.ownedByThisSession()) {
            return decision(
                    new Action.ReleaseLease(),
                    what + ", and belongs to this node's session; giving it up so "
                            + "that a member can take a readable lease (epoch " + view.epoch() + ")");
        }
        EngineStatus engine = local.engine();
        String waiting = what + ", and belongs to session 0x" + Long.toHexString(bad.ephemeralOwner())
                + ": nobody takes over until it goes";
        if (engine.role() == Role.STOPPED && engine.dataState() == DataState.VALID) {
            return decision(
                    new Action.StartAsReplica(Optional.empty()),
                    waiting + "; starting the server read-only, " + "replicating from nobody, so that reads go on");
        }
        return decision(new Action.Observe(), waiting);
    }

    /**
     * For a database that elects its own primary: no lease, promotion or fence, whatever the cluster state says (a
     * role of primary here means the database's own elected leader, which holds no Steward lease). Steward only
     * creates the cluster once, through the same claim as every engine, and lets the elected primary add the members
     * ZooKeeper knows. The reason names what the node is, so that a change of it is logged once.
     */
    private static Decision observerRule(ClusterView view, LocalState local, Policy policy) {
        EngineStatus engine = local.engine();
        if (!local.coordinationReadable()) {
            return decision(
                    new Action.Observe(), "ZooKeeper unreachable; the database elects its own primary, nothing to do");
        }
        String problem = engine.problem().map(p -> " (" + p + ")").orElse("");
        if (view.maintenance()) {
            return decision(
                    new Action.Observe(),
                    "the database elects its own primary; maintenance mode: no automatic action" + problem);
        }
        if (engine.running() && engine.dataState() == DataState.EMPTY) {
            if (view.initialized().isEmpty() && policy.mayInitialize()) {
                return decision(new Action.InitializeCluster(), "no cluster exists yet; creating it with this node");
            }
            return decision(
                    new Action.Observe(),
                    "not a member yet; waiting for the elected primary to add it"
                            + view.initialized()
                                    .map(by -> " (cluster created by " + by + ")")
                                    .orElse(""));
        }
        if (engine.role() == Role.PRIMARY) {
            return decision(
                    new Action.Lead(),
                    "the database elects its own primary; this node is its elected primary" + problem);
        }
        String what = engine.role() == Role.REPLICA ? "a member" : "down";
        return decision(new Action.Observe(), "the database elects its own primary; this node is " + what + problem);
    }

    private static Optional<Decision> dataDirectoryRules(ClusterView view, LocalState local, Policy policy) {
        EngineStatus engine = local.engine();
        if (engine.dataState() == DataState.VALID || engine.running()) {
            return Optional.empty();
        }
        if (local.holdsLease()) {
            return Optional.of(decision(
                    new Action.ReleaseLease(),
                    "data directory is "
                            + engine.dataState().name().toLowerCase()
                            + engine.problem().map(p -> " (" + p + ")").orElse("")
                            + "; giving up the lease of epoch " + view.epoch()));
        }
        if (engine.dataState() == DataState.INVALID) {
            Optional<MemberInfo> leader = healthyLeader(view);
            if (local.reinitializeRequested() && leader.isPresent()) {
                return Optional.of(decision(
                        new Action.Reinitialize(leader.get()),
                        "reinitialisation requested; cloning again from "
                                + leader.get().name()));
            }
            return Optional.of(decision(
                    new Action.Observe(),
                    "data directory unusable: " + engine.problem().orElse("unknown reason")
                            + "; reinitialise this node to clone it again"));
        }
        Optional<MemberInfo> leader = healthyLeader(view);
        if (leader.isPresent()) {
            return Optional.of(decision(
                    new Action.CloneFrom(leader.get()),
                    "empty data directory; cloning from primary " + leader.get().name() + " (epoch " + view.epoch()
                            + ")"));
        }
        if (view.initialized().isEmpty() && view.lease().isEmpty() && policy.mayInitialize()) {
            return Optional.of(decision(new Action.InitializeCluster(), "no cluster exists yet; creating it"));
        }
        return Optional.of(decision(
                new Action.Observe(),
                "empty data directory; waiting for a healthy primary to clone from"
                        + view.initialized()
                                .map(by -> " (cluster created by " + by + ")")
                                .orElse("")));
    }

    private static Decision leaderRules(ClusterView view, LocalState local, Policy policy, long nowMillis) {
        EngineStatus engine = local.engine();
        long epoch = view.epoch();
        switch (engine.role()) {
            case REPLICA:
                return decision(
                        new Action.Promote(), "holding the lease of epoch " + epoch + " while running as a replica");
            case STOPPED: {
                if (!policy.style().restartsCrashedPrimaryInPlace()) {
                    return decision(
                            new Action.ReleaseLease(),
                            "primary is down (" + engine.problem().orElse("stopped")
                                    + ") and a restart in place could lose acknowledged writes; releasing the lease of epoch "
                                    + epoch + " so that the most advanced replica takes over");
                }
                Duration down = local.primaryDownFor().orElse(Duration.ZERO);
                if (down.compareTo(policy.ha().primaryStartTimeout()) > 0) {
                    return decision(
                            new Action.ReleaseLease(),
                            "primary could not be restarted within "
                                    + policy.ha().primaryStartTimeout().toMillis()
                                    + " ms; releasing the lease of epoch " + epoch);
                }
                return decision(
                        new Action.RestartAsPrimary(),
                        "primary is down (" + engine.problem().orElse("stopped")
                                + "); restarting it in place, still holding the lease of epoch " + epoch);
            }
            default:
                break;
        }
        Optional<TransferRequest> transfer = view.transfer();
        if (transfer.isPresent()
                && transfer.get().from().equals(policy.self())
                && nowMillis < transfer.get().dueAtMillis()) {
            return decision(
                    new Action.Lead(),
                    "primary holding the lease of epoch " + epoch + "; " + scheduled(transfer.get()));
        }
        if (transfer.isPresent()) {
            return transferRules(view, transfer.get(), local, policy, nowMillis);
        }
        return decision(new Action.Lead(), "primary holding the lease of epoch " + epoch);
    }

    private static Decision transferRules(
            ClusterView view, TransferRequest transfer, LocalState local, Policy policy, long nowMillis) {
        if (!transfer.from().equals(policy.self())) {
            return decision(
                    new Action.CancelTransfer(),
                    "transfer request names " + transfer.from() + " as the primary, but " + policy.self()
                            + " holds the lease of epoch " + view.epoch());
        }
        if (nowMillis - transfer.dueAtMillis() > TRANSFER_EXPIRY.toMillis()) {
            return decision(
                    new Action.CancelTransfer(),
                    "transfer request expired after " + TRANSFER_EXPIRY.toSeconds() + " s");
        }
        boolean switchover = transfer.kind() == TransferRequest.Kind.SWITCHOVER;
        Optional<MemberInfo> candidate = transfer.to().isPresent()
                ? view.member(transfer.to().get())
                : bestCandidate(
                        view,
                        local.engine().position(),
                        policy,
                        view.members().values().stream()
                                .filter(m -> !m.name().equals(policy.self()))
                                .collect(Collectors.toList()));
        if (candidate.isEmpty()) {
            return decision(
                    new Action.CancelTransfer(),
                    transfer.to()
                            .map(n -> "candidate " + n + " is not a member")
                            .orElse("no eligible candidate for a switchover"));
        }
        MemberInfo target = candidate.get();
        if (target.name().equals(policy.self())) {
            return decision(new Action.CancelTransfer(), target.name() + " is already the primary");
        }
        if (target.stopping()) {
            return decision(new Action.CancelTransfer(), "candidate " + target.name() + " is shutting down");
        }
        if (!target.healthy() || target.role() != Role.REPLICA) {
            return decision(new Action.CancelTransfer(), "candidate " + target.name() + " is not a healthy replica");
        }
        if (switchover && !target.promotable()) {
            return decision(new Action.CancelTransfer(), "candidate " + target.name() + " is tagged nofailover");
        }
        return decision(
                new Action.HandOver(target, switchover),
                (switchover ? "switchover" : "failover") + " to " + target.name()
                        + " requested; handing over the lease of epoch " + view.epoch());
    }

    /** A switchover planned ahead, in words: carried out at its time, as if asked for then. */
    private static String scheduled(TransferRequest transfer) {
        return transfer.kind().name().toLowerCase(java.util.Locale.ROOT) + " to "
                + transfer.to().orElse("the best eligible replica") + " scheduled at "
                + java.time.Instant.ofEpochMilli(transfer.dueAtMillis());
    }

    private static Decision followerRules(ClusterView view, LocalState local, Policy policy, Lease lease) {
        EngineStatus engine = local.engine();
        Optional<MemberInfo> leader = view.member(lease.holder());
        if (leader.isEmpty()) {
            return decision(
                    new Action.Observe(),
                    "lease of epoch " + view.epoch() + " held by " + lease.holder()
                            + ", which has not published its address yet");
        }
        MemberInfo primary = leader.get();
        if (local.reinitializeRequested() || local.rejoinFailed()) {
            return decision(
                    new Action.Reinitialize(primary),
                    (local.rejoinFailed()
                                    ? "could not rewind to follow "
                                    : "reinitialisation requested; cloning again from ")
                            + primary.name() + " (epoch " + view.epoch() + ")");
        }
        if (local.rejoinNeedsOperator().isPresent()) {
            return decision(
                    new Action.WaitForOperator(),
                    "could not rewind to follow " + primary.name() + " (epoch " + view.epoch()
                            + "); waiting for an operator");
        }
        MemberInfo upstream =
                policy.style().topology() == Topology.CHAIN ? chainUpstream(view, primary, policy.self()) : primary;
        String source = upstream == primary
                ? "the primary " + primary.name()
                : upstream.name() + ", next before it in the chain headed by " + primary.name();
        switch (engine.role()) {
            case PRIMARY:
                return decision(
                        new Action.Follow(upstream),
                        "deposed: " + primary.name() + " holds the lease of epoch " + view.epoch()
                                + "; stopping writes and following " + source);
            case STOPPED:
                return decision(
                        new Action.StartAsReplica(Optional.of(upstream)),
                        "server is down; starting it as a replica of " + source + " (epoch " + view.epoch() + ")");
            default:
                if (engine.upstream()
                        .filter(u -> u.equals(upstream.database().toString()))
                        .isPresent()) {
                    return decision(new Action.Observe(), "streaming from " + source + " (epoch " + view.epoch() + ")");
                }
                return decision(
                        new Action.Follow(upstream),
                        "not streaming from " + source + " (epoch " + view.epoch() + "); following it");
        }
    }

    /**
     * Whom this node replicates from in a chain: the head is the primary, the others follow in name order, and each
     * takes the nearest member before it that is a healthy replica. A member whose link is down is skipped (its
     * follower re-points to the grand-master) until it streams again, and then the chain heals.
     */
    static MemberInfo chainUpstream(ClusterView view, MemberInfo primary, String self) {
        return view.members().values().stream()
                .filter(m -> !m.name().equals(primary.name()) && m.name().compareTo(self) < 0)
                .filter(m -> m.role() == Role.REPLICA && m.healthy())
                .max(Comparator.comparing(MemberInfo::name))
                .orElse(primary);
    }

    private static Decision leaderlessRules(ClusterView view, LocalState local, Policy policy, long nowMillis) {
        EngineStatus engine = local.engine();
        long epoch = view.epoch();
        if (engine.role() == Role.STOPPED) {
            return decision(
                    new Action.StartAsReplica(Optional.empty()),
                    "no primary (epoch " + epoch + "); starting the server as a replica to learn its position");
        }
        Optional<TransferRequest> transfer = view.transfer();
        if (transfer.isPresent()
                && transfer.get().to().isPresent()
                && nowMillis >= transfer.get().dueAtMillis()
                && nowMillis - transfer.get().dueAtMillis() <= TRANSFER_EXPIRY.toMillis()) {
            String target = transfer.get().to().get();
            if (target.equals(policy.self()) && local.standingAside().isPresent()) {
                return decision(
                        new Action.Observe(),
                        "asked to take over, but standing aside: "
                                + local.standingAside().get());
            }
            if (target.equals(policy.self())) {
                Action.TakeoverReason reason = transfer.get().kind() == TransferRequest.Kind.SWITCHOVER
                        ? Action.TakeoverReason.SWITCHOVER
                        : Action.TakeoverReason.REQUESTED_FAILOVER;
                return decision(
                        new Action.TakeOver(reason),
                        reason + " names this node; taking the lease after epoch " + epoch);
            }
            // a target that is shutting down will not take over: the others go on as if it had not been named
            if (view.member(target).filter(m -> !m.stopping()).isPresent()) {
                return decision(
                        new Action.Observe(),
                        "waiting for " + target + " to take over as requested (epoch " + epoch + ")");
            }
        }
        Optional<String> ineligible = whyIneligible(view, local, policy);
        if (ineligible.isPresent()) {
            return decision(
                    new Action.Observe(),
                    "no primary (epoch " + epoch + "), but this node may not take over: " + ineligible.get());
        }
        Duration freshnessWait = policy.ha().loopWait().multipliedBy(2);
        long leaderlessSince = nowMillis - local.leaderlessFor().toMillis();
        List<String> stale = view.members().values().stream()
                // a member shutting down publishes nothing more, and is no candidate anyway
                .filter(m -> !m.name().equals(policy.self())
                        && m.role() == Role.REPLICA
                        && !m.stopping()
                        && m.updatedAtMillis() < leaderlessSince)
                .map(MemberInfo::name)
                .sorted()
                .collect(Collectors.toList());
        if (!stale.isEmpty() && local.leaderlessFor().compareTo(freshnessWait) < 0) {
            return decision(
                    new Action.Observe(),
                    "no primary (epoch " + epoch + "); waiting for fresh positions from " + String.join(", ", stale));
        }
        List<MemberInfo> others = view.members().values().stream()
                .filter(m -> !m.name().equals(policy.self()))
                .filter(m -> isEligible(m, view, local.lastPrimaryPosition(), policy))
                .collect(Collectors.toList());
        CandidateOrder order = policy.style().candidateOrder();
        Optional<MemberInfo> better = others.stream()
                .filter(m -> compareCandidates(
                                order,
                                m.position(),
                                m.priority(),
                                m.name(),
                                engine.position(),
                                policy.priority(),
                                policy.self())
                        < 0)
                .findFirst();
        if (better.isPresent()) {
            return decision(
                    new Action.Observe(),
                    "no primary (epoch " + epoch + "); " + better.get().name()
                            + " is a better candidate (priority " + better.get().priority() + ", position "
                            + better.get().position() + " vs priority " + policy.priority() + ", position "
                            + engine.position() + ")");
        }
        return decision(
                new Action.TakeOver(Action.TakeoverReason.FAILOVER),
                "no primary after epoch " + epoch
                        + "; this node is the best eligible replica (priority " + policy.priority() + ", position "
                        + engine.position() + ")");
    }

    /** Why this node may not promote itself now, or empty when it may. */
    private static Optional<String> whyIneligible(ClusterView view, LocalState local, Policy policy) {
        EngineStatus engine = local.engine();
        if (local.standingAside().isPresent()) {
            return Optional.of("standing aside: " + local.standingAside().get());
        }
        if (policy.ha().failsafeMode()) {
            Optional<String> uncounted = FailsafeRules.whyNotACandidate(view, policy.self());
            if (uncounted.isPresent()) {
                return uncounted;
            }
        }
        if (!policy.promotable()) {
            return Optional.of(policy.noFailover() ? "tagged nofailover" : "priority is 0");
        }
        if (engine.role() != Role.REPLICA) {
            return Optional.of("server is not running as a replica");
        }
        if (engine.replayPaused()) {
            return Optional.of("replay is paused");
        }
        if (engine.position() < 0) {
            return Optional.of("its replication position is unknown");
        }
        if (policy.ha().synchronousMode()) {
            if (hasEveryAcknowledgedWrite(view, policy.self())) {
                return Optional.empty();
            }
            List<String> complete = view.sync()
                    .map(s -> {
                        List<String> names = new java.util.ArrayList<>(List.of(s.leader() + " (the last primary)"));
                        s.standby().ifPresent(standby -> names.add(standby + " (its synchronous standby)"));
                        return names;
                    })
                    .orElse(List.of());
            return Optional.of(
                    complete.isEmpty()
                            ? "synchronous mode, and no synchronous standby is recorded"
                            : "synchronous mode, and only " + String.join(" and ", complete)
                                    + (complete.size() == 1 ? " is" : " are")
                                    + " known to have every acknowledged write");
        }
        long lag = lag(local.lastPrimaryPosition(), engine.position());
        if (lag > policy.ha().maximumLagOnFailover()) {
            return Optional.of("lag " + lag + " bytes exceeds maximum_lag_on_failover "
                    + policy.ha().maximumLagOnFailover());
        }
        return Optional.empty();
    }

    private static boolean isEligible(MemberInfo member, ClusterView view, long lastPrimaryPosition, Policy policy) {
        // Not "healthy": with the primary gone, every replica reports that it is not streaming.
        if (!member.promotable()
                || member.stopping()
                || member.role() != Role.REPLICA
                || member.replayPaused()
                || member.position() < 0) {
            return false;
        }
        if (policy.ha().synchronousMode()) {
            return hasEveryAcknowledgedWrite(view, member.name());
        }
        return lag(lastPrimaryPosition, member.position()) <= policy.ha().maximumLagOnFailover();
    }

    /**
     * In synchronous mode, whether {@code member} provably holds every acknowledged write: the recorded synchronous
     * standby, or the primary that recorded it (every takeover records itself with no standby yet), which acknowledged
     * them itself and, deposed or demoted since, took no writes after.
     */
    private static boolean hasEveryAcknowledgedWrite(ClusterView view, String member) {
        return view.sync()
                .filter(sync -> sync.leader().equals(member)
                        || sync.standby().filter(member::equals).isPresent())
                .isPresent();
    }

    /** Among the given members, the best eligible one to promote. */
    private static Optional<MemberInfo> bestCandidate(
            ClusterView view, long primaryPosition, Policy policy, List<MemberInfo> members) {
        return members.stream()
                .filter(m -> isEligible(m, view, primaryPosition, policy))
                .min(ranking(policy.style().candidateOrder()));
    }

    /**
     * Whom a primary that is shutting down hands over to: the best healthy, promotable replica that is not shutting down
     * too, in the engine's order; empty when there is none (it then releases the lease at once).
     */
    static Optional<MemberInfo> successorOnStop(ClusterView view, Policy policy) {
        return view.members().values().stream()
                .filter(m -> !m.name().equals(policy.self())
                        && m.healthy()
                        && m.role() == Role.REPLICA
                        && m.promotable()
                        && !m.stopping())
                .min(ranking(policy.style().candidateOrder()));
    }

    /** Failover candidates best first, in the engine's order. */
    static Comparator<MemberInfo> ranking(CandidateOrder order) {
        return (a, b) ->
                compareCandidates(order, a.position(), a.priority(), a.name(), b.position(), b.priority(), b.name());
    }

    /**
     * Negative when candidate a ranks before candidate b: further ahead and higher priority, the one the order names
     * first deciding; then name.
     */
    static int compareCandidates(
            CandidateOrder order,
            long positionA,
            int priorityA,
            String nameA,
            long positionB,
            int priorityB,
            String nameB) {
        int byPosition = Long.compare(positionB, positionA);
        int byPriority = Integer.compare(priorityB, priorityA);
        int first = order == CandidateOrder.PRIORITY_FIRST ? byPriority : byPosition;
        int second = order == CandidateOrder.PRIORITY_FIRST ? byPosition : byPriority;
        return first != 0 ? first : second != 0 ? second : nameA.compareTo(nameB);
    }

    private static long lag(long primaryPosition, long position) {
        return primaryPosition < 0 ? 0 : Math.max(0, primaryPosition - position);
    }

    private static Optional<MemberInfo> healthyLeader(ClusterView view) {
        return view.leaderMember().filter(m -> m.healthy() && m.role() == Role.PRIMARY);
    }

    private static Decision decision(Action action, String reason) {
        return new Decision(action, reason);
    }
}
