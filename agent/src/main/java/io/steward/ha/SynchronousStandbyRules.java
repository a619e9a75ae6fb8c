package io.steward.ha;

import io.steward.coordination.ClusterView;
import io.steward.coordination.MemberInfo;
import io.steward.coordination.SyncState;
import io.steward.engine.Endpoint;
import io.steward.engine.ReplicaLink;
import io.steward.engine.ReplicationStyle.CandidateOrder;
import io.steward.engine.Role;
import java.util.List;
import java.util.Optional;

/**
 * Synchronous mode's choice of standby, pure. The primary keeps exactly one synchronous standby recorded in the
 * cluster's state, and records one only once it waits for it and it has caught up: then every acknowledged write is on
 * the member allowed to take over. A change goes in steps, one per tick: forget the old standby (before the primary
 * stops waiting for it), ask the primary to wait for the new one, record it once it confirmed what the primary had
 * when asked.
 */
final class SynchronousStandbyRules {

    private SynchronousStandbyRules() {}

    /** A standby the primary of {@code epoch} was asked to wait for, and the position it must confirm to be recorded. */
    record Pending(String standby, long targetPosition, long epoch) {}

    /** What the primary does about its synchronous standby this tick. */
    sealed interface Step {
        /** The recorded standby is still the best: the primary goes on waiting for it. */
        record Keep(String standby) implements Step {}

        /**
         * No member can be the standby: the primary waits for {@code waitFor} (in strict mode every other member, so
         * that no write is acknowledged; otherwise none) and forgets any pending one.
         */
        record NoStandby(List<String> waitFor) implements Step {}

        /** A new candidate: the primary waits for it from now on; it is recorded once it has what the primary has now. */
        record Ask(String standby) implements Step {}

        /** The candidate asked for has not confirmed the position yet. */
        record Wait(String standby) implements Step {}

        /** The candidate confirmed: record it as the synchronous standby, and forget the pending one. */
        record Record(String standby) implements Step {}
    }

    /**
     * @param withdraw the recorded state is to name no standby first (before the primary stops waiting for the old
     *        one, and whenever the state is not this primary's yet)
     * @param recorded the standby recorded until now, if any
     * @param step what follows
     */
    record Plan(boolean withdraw, Optional<String> recorded, Step step) {}

    /**
     * This tick's step for the primary {@code self} of {@code epoch}.
     *
     * @param ownEndpoint where this primary's server takes connections, should its member entry not say
     * @param pending the standby asked for earlier, if any (one asked for under another epoch counts as none)
     * @param replicas the replicas connected to the primary now, as it sees them
     */
    static Plan plan(
            ClusterView view,
            String self,
            Endpoint ownEndpoint,
            CandidateOrder order,
            boolean strict,
            long epoch,
            Optional<Pending> pending,
            List<ReplicaLink> replicas) {
        Optional<SyncState> own = view.sync().filter(sync -> sync.leader().equals(self));
        Optional<String> recorded = own.flatMap(SyncState::standby);
        Optional<String> desired = choose(view, self, ownEndpoint, order, recorded);
        if (recorded.isPresent() && recorded.equals(desired)) {
            return new Plan(false, recorded, new Step.Keep(recorded.get()));
        }
        boolean withdraw = recorded.isPresent() || own.isEmpty();
        if (desired.isEmpty()) {
            List<String> others = view.members().keySet().stream()
                    .filter(name -> !name.equals(self))
                    .sorted()
                    .toList();
            return new Plan(withdraw, recorded, new Step.NoStandby(strict ? others : List.of()));
        }
        String standby = desired.get();
        Optional<Pending> asked =
                pending.filter(p -> p.epoch() == epoch && p.standby().equals(standby));
        if (asked.isEmpty()) {
            return new Plan(withdraw, recorded, new Step.Ask(standby));
        }
        boolean confirmed = replicas.stream()
                .anyMatch(replica -> replica.name().equals(standby)
                        && replica.synchronous()
                        && replica.flushPosition() >= asked.get().targetPosition());
        return new Plan(withdraw, recorded, confirmed ? new Step.Record(standby) : new Step.Wait(standby));
    }

    /**
     * The best standby: a healthy, promotable replica streaming from this primary, best first in the engine's order;
     * the recorded one as long as it is still such a replica, so that the standby does not change for nothing.
     */
    static Optional<String> choose(
            ClusterView view, String self, Endpoint ownEndpoint, CandidateOrder order, Optional<String> recorded) {
        String me = view.member(self).map(m -> m.database().toString()).orElse(ownEndpoint.toString());
        List<MemberInfo> streaming = view.members().values().stream()
                .filter(m -> !m.name().equals(self)
                        && m.healthy()
                        && m.role() == Role.REPLICA
                        && m.promotable()
                        && m.upstream().filter(me::equals).isPresent())
                .sorted(HaRules.ranking(order))
                .toList();
        if (recorded.isPresent() && streaming.stream().anyMatch(m -> m.name().equals(recorded.get()))) {
            return recorded;
        }
        return streaming.stream().findFirst().map(MemberInfo::name);
    }
}
