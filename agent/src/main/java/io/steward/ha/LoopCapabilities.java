package io.steward.ha;

import io.steward.coordination.EngineReport;
import io.steward.engine.ClusterMember;
import io.steward.engine.Engine;
import io.steward.engine.EngineException;
import io.steward.engine.LeaseElected;
import io.steward.engine.ManagedMembership;
import io.steward.engine.PendingRestart;
import io.steward.engine.ReplayDelay;
import io.steward.engine.ReplicationSlots;
import io.steward.engine.Restartable;
import io.steward.engine.SynchronousStandbys;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What the loop drives of the local engine beyond the core {@link Engine}, looked up once: the only place the loop
 * asks the engine for a capability. Which ones an engine has follows from who elects its primary
 * ({@link Policy#engineElectsPrimary()}): the rules take Steward's lease paths only for an engine with
 * {@link LeaseElected}, and the paths of a database that elects its own only for one without, so asking for the
 * other kind's is a bug of the loop. The optional ones (slots, synchronous standbys, a member list) do nothing where
 * the engine has none.
 */
final class LoopCapabilities {
    private final Optional<LeaseElected> leaseElected;
    private final Optional<ManagedMembership> membership;
    private final Optional<ReplicationSlots> slots;
    private final Optional<SynchronousStandbys> synchronousStandbys;
    private final Optional<ReplayDelay> replayDelay;
    private final Optional<PendingRestart> pendingRestart;
    private final Optional<Restartable> restartable;

    LoopCapabilities(Engine engine) {
        this.leaseElected = engine.capability(LeaseElected.class);
        this.membership = engine.capability(ManagedMembership.class);
        this.slots = engine.capability(ReplicationSlots.class);
        this.synchronousStandbys = engine.capability(SynchronousStandbys.class);
        this.replayDelay = engine.capability(ReplayDelay.class);
        this.pendingRestart = engine.capability(PendingRestart.class);
        this.restartable = engine.capability(Restartable.class);
    }

    /** What the engine reports for the operator as of its last probe: what it cannot tell is left out. */
    EngineReport engineReport() {
        return new EngineReport(
                replayDelay.flatMap(ReplayDelay::replayDelay).map(Duration::toMillis),
                pendingRestart.map(PendingRestart::pendingRestart).orElse(false));
    }

    /** The engine's lease-elected replication: only asked for on the paths where Steward elects the primary. */
    LeaseElected replication() {
        return leaseElected.orElseThrow(() -> new IllegalStateException("the database elects its own primary"));
    }

    /** The database's own member list: only asked for on the paths where the database elects its primary. */
    ManagedMembership membership() {
        return membership.orElseThrow(() -> new IllegalStateException("the database keeps no member list of its own"));
    }

    /** {@link ManagedMembership#electedPrimaryTerm()}; empty for a database that keeps no member list of its own. */
    OptionalLong electedPrimaryTerm() {
        return membership.map(ManagedMembership::electedPrimaryTerm).orElse(OptionalLong.empty());
    }

    /** {@link ManagedMembership#memberTags()}; none for a database that keeps no member list of its own. */
    Map<String, String> memberTags() {
        return membership.map(ManagedMembership::memberTags).orElse(Map.of());
    }

    /** {@link ManagedMembership#reconcileMembers}; nothing to keep for a database without a member list of its own. */
    void reconcileMembers(List<ClusterMember> members) {
        membership.ifPresent(database -> database.reconcileMembers(members));
    }

    /** {@link ReplicationSlots#reconcileReplicationSlots}; nothing to keep for an engine without slots. */
    void reconcileReplicationSlots(Set<String> memberNames) {
        slots.ifPresent(primary -> primary.reconcileReplicationSlots(memberNames));
    }

    /**
     * Which replicas the primary waits for. An engine without synchronous standbys waits for none: asked for one (the
     * cluster-wide settings may turn {@code ha.synchronous_mode} on), the action fails and says so.
     */
    void setSynchronousStandbys(List<String> memberNames) {
        if (synchronousStandbys.isPresent()) {
            synchronousStandbys.get().setSynchronousStandbys(memberNames);
        } else if (!memberNames.isEmpty()) {
            throw new EngineException("the database cannot make its primary wait for a named replica; turn "
                    + "ha.synchronous_mode off for this cluster");
        }
    }

    /**
     * The engine's restarts: asked for only to carry out a restart an operator requested, which the admin API accepts
     * only from an engine that has them.
     */
    Restartable restartable() {
        return restartable.orElseThrow(() -> new IllegalStateException("the engine cannot be restarted by the agent"));
    }

    /** {@link Restartable#settingsPendingRestart()}; none for an engine the agent does not restart. */
    List<String> settingsPendingRestart() {
        return restartable.map(Restartable::settingsPendingRestart).orElse(List.of());
    }
}
