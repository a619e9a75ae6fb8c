package io.steward.ha;

import io.steward.coordination.ClusterStore;
import io.steward.coordination.ClusterView;
import io.steward.coordination.FailsafeMembers;
import io.steward.coordination.SyncState;
import io.steward.engine.Engine;
import io.steward.engine.EngineStatus;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the primary does each tick it leads ({@link Action.Lead}): under Steward's lease, one replication slot per
 * member, the failsafe member list and the synchronous standby ({@link SynchronousStandbyRules}); for a database that
 * elects its own primary, its term recorded and its member list kept in step ({@link SelfElectedRules}). The choices
 * are the pure rules'; this carries them out.
 */
final class LeaderDuties {
    private static final Logger log = LoggerFactory.getLogger(LeaderDuties.class);

    private final ClusterStore store;
    private final Engine engine;
    private final LoopCapabilities capabilities;
    private Optional<SynchronousStandbyRules.Pending> pendingSync = Optional.empty();
    /** The stale term last reported by a primary whose database has not noticed its successor yet (said once). */
    private long staleTermReported = -1;

    LeaderDuties(ClusterStore store, Engine engine, LoopCapabilities capabilities) {
        this.store = store;
        this.engine = engine;
        this.capabilities = capabilities;
    }

    /** @param epoch the epoch of the lease held (unused where the database elects its own primary) */
    void lead(ClusterView view, EngineStatus probed, Policy policy, long epoch) {
        if (policy.engineElectsPrimary()) {
            leadElected(view, probed, policy.self());
            return;
        }
        capabilities.reconcileReplicationSlots(view.members().keySet().stream()
                .filter(name -> !name.equals(policy.self()))
                .collect(Collectors.toSet()));
        if (policy.ha().failsafeMode()) {
            FailsafeMembers counted = FailsafeRules.record(view, policy.self(), epoch);
            if (!view.failsafe().equals(Optional.of(counted))) {
                store.writeFailsafeMembers(counted);
                log.info(
                        "failsafe mode: counting on {} should ZooKeeper become unreachable [epoch {}]",
                        counted.members().isEmpty()
                                ? "no other member"
                                : String.join(
                                        ", ",
                                        counted.members().keySet().stream()
                                                .sorted()
                                                .toList()),
                        epoch);
            }
        }
        if (policy.ha().synchronousMode()) {
            keepSynchronousStandby(view, probed, policy, epoch);
        } else {
            capabilities.setSynchronousStandbys(List.of());
        }
    }

    private void leadElected(ClusterView view, EngineStatus probed, String self) {
        if (SelfElectedRules.recordsTerm(probed) && !store.raisePrimaryTerm(self, probed.timeline())) {
            if (staleTermReported != probed.timeline()) {
                log.warn(
                        "the database still calls this node its primary in term {}, but a later term is recorded; "
                                + "leaving the member list to the later primary",
                        probed.timeline());
                staleTermReported = probed.timeline();
            }
            return;
        }
        capabilities.reconcileMembers(SelfElectedRules.members(view));
    }

    private void keepSynchronousStandby(ClusterView view, EngineStatus probed, Policy policy, long epoch) {
        String self = policy.self();
        SynchronousStandbyRules.Plan plan = SynchronousStandbyRules.plan(
                view,
                self,
                engine.endpoint(),
                policy.style().candidateOrder(),
                policy.ha().synchronousModeStrict(),
                epoch,
                pendingSync,
                probed.replicas());
        if (plan.withdraw()) {
            // Forget the old standby before the primary stops waiting for it.
            store.writeSync(new SyncState(self, Optional.empty()));
            log.info(
                    "synchronous standby {} withdrawn [epoch {}]",
                    plan.recorded().orElse("(none)"),
                    view.epoch());
        }
        SynchronousStandbyRules.Step step = plan.step();
        if (step instanceof SynchronousStandbyRules.Step.Keep keep) {
            capabilities.setSynchronousStandbys(List.of(keep.standby()));
        } else if (step instanceof SynchronousStandbyRules.Step.NoStandby none) {
            pendingSync = Optional.empty();
            capabilities.setSynchronousStandbys(none.waitFor());
        } else if (step instanceof SynchronousStandbyRules.Step.Ask ask) {
            capabilities.setSynchronousStandbys(List.of(ask.standby()));
            pendingSync = Optional.of(new SynchronousStandbyRules.Pending(
                    ask.standby(), engine.probe().position(), epoch));
        } else if (step instanceof SynchronousStandbyRules.Step.Record record) {
            store.writeSync(new SyncState(self, Optional.of(record.standby())));
            pendingSync = Optional.empty();
            log.info("synchronous standby is now {} [epoch {}]", record.standby(), view.epoch());
        }
        // Wait: the candidate has not caught up yet; asked again next tick
    }
}
