package io.steward.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.config.HaConfig;
import io.steward.coordination.BadLease;
import io.steward.coordination.ClusterView;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.coordination.StateProblem;
import io.steward.coordination.SyncState;
import io.steward.coordination.TransferRequest;
import io.steward.engine.DataState;
import io.steward.engine.Endpoint;
import io.steward.engine.EngineStatus;
import io.steward.engine.ReplicationStyle;
import io.steward.engine.ReplicationStyle.CandidateOrder;
import io.steward.engine.ReplicationStyle.Topology;
import io.steward.engine.Role;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class HaRulesTest {
    private static final long NOW = 1_000_000L;
    private static final long MY_SESSION = 42;
    private static final HaConfig HA =
            new HaConfig(Duration.ofSeconds(1), 1 << 20, Duration.ofSeconds(10), false, false, false);
    private static final HaConfig SYNC =
            new HaConfig(Duration.ofSeconds(1), 1 << 20, Duration.ofSeconds(10), true, false, false);
    /** PostgreSQL's style: a star, the most advanced replica first, a crashed primary restarted in place. */
    private static final ReplicationStyle STAR =
            new ReplicationStyle(Topology.STAR, CandidateOrder.MOST_ADVANCED_FIRST, true);
    /** Redis's chain: priority first, a crashed primary hands the lease on. */
    private static final ReplicationStyle CHAIN =
            new ReplicationStyle(Topology.CHAIN, CandidateOrder.PRIORITY_FIRST, false);

    private static final Policy ME = new Policy("me", HA, false, 100, true, Optional.of(STAR));

    // ---- builders -------------------------------------------------------------------------------------------

    static MemberInfo member(String name, Role role, long position) {
        return new MemberInfo(
                name,
                role,
                role != Role.STOPPED,
                endpoint(name),
                "http://" + name,
                position,
                1,
                Optional.empty(),
                false,
                false,
                100,
                "test",
                NOW,
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                false);
    }

    static MemberInfo streamingFrom(String name, String upstream, long position) {
        return new MemberInfo(
                name,
                Role.REPLICA,
                true,
                endpoint(name),
                "http://" + name,
                position,
                1,
                Optional.of(endpoint(upstream).toString()),
                false,
                false,
                100,
                "test",
                NOW,
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                false);
    }

    /** {@code m}, as its agent publishes it once it is shutting down. */
    static MemberInfo stopping(MemberInfo m) {
        return new MemberInfo(
                m.name(),
                m.role(),
                m.healthy(),
                m.database(),
                m.apiUrl(),
                m.position(),
                m.timeline(),
                m.upstream(),
                m.replayPaused(),
                m.noFailover(),
                m.priority(),
                m.agentVersion(),
                m.updatedAtMillis(),
                m.problem(),
                m.dnsName(),
                m.tags(),
                m.standingAside(),
                true);
    }

    static Endpoint endpoint(String name) {
        return new Endpoint(name + ".example", 5432);
    }

    static ClusterView view(Optional<Lease> lease, MemberInfo... members) {
        return new ClusterView(
                Arrays.stream(members).collect(Collectors.toMap(MemberInfo::name, Function.identity())),
                lease,
                lease.map(Lease::epoch).orElse(7L),
                Optional.of("first"),
                false,
                Optional.empty(),
                Optional.empty());
    }

    static Optional<Lease> leaseOf(String holder) {
        return Optional.of(new Lease(holder, 7, holder.equals("me") ? MY_SESSION : 99));
    }

    static EngineStatus running(Role role, long position) {
        return new EngineStatus(
                role, DataState.VALID, position, 1, Optional.empty(), false, List.of(), Optional.empty());
    }

    static EngineStatus replicaOf(String upstream, long position) {
        return new EngineStatus(
                Role.REPLICA,
                DataState.VALID,
                position,
                1,
                Optional.of(endpoint(upstream).toString()),
                false,
                List.of(),
                Optional.empty());
    }

    static LocalState local(EngineStatus engine, boolean holdsLease) {
        return new LocalState(
                engine,
                true,
                holdsLease,
                holdsLease,
                Optional.empty(),
                -1,
                Duration.ZERO,
                false,
                false,
                Optional.empty(),
                false,
                false,
                Optional.empty());
    }

    static LocalState leaderless(EngineStatus engine, long lastPrimaryPosition, Duration leaderlessFor) {
        return new LocalState(
                engine,
                true,
                false,
                false,
                Optional.empty(),
                lastPrimaryPosition,
                leaderlessFor,
                false,
                false,
                Optional.empty(),
                false,
                false,
                Optional.empty());
    }

    static Decision decide(ClusterView view, LocalState local) {
        return HaRules.decide(view, local, ME, NOW);
    }

    // ---- safety ---------------------------------------------------------------------------------------------

    @Nested
    class Fencing {
        @Test
        void primaryThatCannotProveItsLeaseFences() {
            LocalState local = new LocalState(
                    running(Role.PRIMARY, 100),
                    true,
                    true,
                    false,
                    Optional.empty(),
                    -1,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            Decision decision = decide(view(leaseOf("me"), member("me", Role.PRIMARY, 100)), local);
            assertThat(decision.action()).isInstanceOf(Action.Fence.class);
            assertThat(decision.reason()).contains("cannot prove the lease").contains("epoch 7");
        }

        @Test
        void primaryWithoutAnyLeaseFences() {
            Decision decision = decide(
                    view(Optional.empty(), member("me", Role.PRIMARY, 100)),
                    leaderless(running(Role.PRIMARY, 100), -1, Duration.ofSeconds(5)));
            assertThat(decision.action()).isInstanceOf(Action.Fence.class);
        }

        @Test
        void primaryCutOffFromZooKeeperFencesOnceTheLeaseIsNoLongerProvable() {
            LocalState stillValid = new LocalState(
                    running(Role.PRIMARY, 100),
                    false,
                    true,
                    true,
                    Optional.empty(),
                    -1,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            LocalState expired = new LocalState(
                    running(Role.PRIMARY, 100),
                    false,
                    true,
                    false,
                    Optional.empty(),
                    -1,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            ClusterView lastSeen = view(leaseOf("me"), member("me", Role.PRIMARY, 100));
            assertThat(decide(lastSeen, stillValid).action()).isInstanceOf(Action.Observe.class);
            assertThat(decide(lastSeen, expired).action()).isInstanceOf(Action.Fence.class);
        }

        @Test
        void aFencedPrimaryComesBackReadOnlyWhileZooKeeperIsUnreachable() {
            LocalState fenced = new LocalState(
                    EngineStatus.stopped(DataState.VALID, Optional.empty()),
                    false,
                    true,
                    false,
                    Optional.of(Duration.ofSeconds(1)),
                    -1,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            Decision decision = decide(view(leaseOf("me"), member("me", Role.PRIMARY, 100)), fenced);
            assertThat(decision.action()).isEqualTo(new Action.StartAsReplica(Optional.empty()));
            assertThat(decision.reason()).contains("read-only").contains("epoch 7");
        }

        @Test
        void aStoppedServerWithoutALeaseAlsoComesBackReadOnlyWithoutZooKeeper() {
            LocalState stopped = new LocalState(
                    EngineStatus.stopped(DataState.VALID, Optional.empty()),
                    false,
                    false,
                    false,
                    Optional.empty(),
                    60,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            assertThat(decide(view(leaseOf("a")), stopped).action())
                    .isEqualTo(new Action.StartAsReplica(Optional.empty()));
        }

        @Test
        void theLeaseHoldersStoppedServerWaitsForZooKeeperWhileTheLeaseIsProvable() {
            // restarting it read-only could not be undone in time; restarting it as primary needs ZooKeeper's word
            LocalState crashed = new LocalState(
                    EngineStatus.stopped(DataState.VALID, Optional.empty()),
                    false,
                    true,
                    true,
                    Optional.of(Duration.ofSeconds(1)),
                    -1,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            assertThat(decide(view(leaseOf("me")), crashed).action()).isInstanceOf(Action.Observe.class);
        }

        @Test
        void withoutZooKeeperNothingIsStartedOnDataThatIsNotValid() {
            for (DataState state : List.of(DataState.EMPTY, DataState.INVALID)) {
                LocalState local = new LocalState(
                        EngineStatus.stopped(state, Optional.empty()),
                        false,
                        false,
                        false,
                        Optional.empty(),
                        -1,
                        Duration.ZERO,
                        false,
                        false,
                        Optional.empty(),
                        false,
                        false,
                        Optional.empty());
                assertThat(decide(view(leaseOf("a")), local).action())
                        .as(state.name())
                        .isInstanceOf(Action.Observe.class);
            }
        }

        @Test
        void aPrimaryWithoutAProvableLeaseIsFencedEvenWhenZooKeeperCannotSayWhoHoldsIt() {
            // e.g. the agent restarted while the ensemble was down, and found its server running as primary
            LocalState local = new LocalState(
                    running(Role.PRIMARY, 100),
                    false,
                    false,
                    false,
                    Optional.empty(),
                    -1,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            Decision decision = decide(view(Optional.empty()), local);
            assertThat(decision.action()).isInstanceOf(Action.Fence.class);
            assertThat(decision.reason()).contains("ZooKeeper is unreachable");
        }

        @Test
        void replicaCutOffFromZooKeeperWaits() {
            LocalState local = new LocalState(
                    replicaOf("a", 50),
                    false,
                    false,
                    false,
                    Optional.empty(),
                    60,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            assertThat(decide(view(leaseOf("a")), local).action()).isInstanceOf(Action.Observe.class);
        }

        @Test
        void aLeaseLeftByThisNodesEarlierSessionIsNeitherFollowedNorTrusted() {
            Optional<Lease> earlierSession = Optional.of(new Lease("me", 7, MY_SESSION - 1));
            ClusterView view = view(earlierSession, member("me", Role.STOPPED, 100), member("b", Role.REPLICA, 100));

            Decision stopped = decide(view, local(EngineStatus.stopped(DataState.VALID, Optional.empty()), false));
            Decision primary = decide(view, local(running(Role.PRIMARY, 100), false));

            assertThat(stopped.action()).isInstanceOf(Action.Observe.class);
            assertThat(stopped.reason()).contains("names this node from an earlier ZooKeeper session; waiting");
            assertThat(primary.action()).isInstanceOf(Action.Fence.class);
        }

        @Test
        void deposedPrimaryFollowsTheLeaseHolder() {
            ClusterView view = view(leaseOf("b"), member("b", Role.PRIMARY, 200), member("me", Role.PRIMARY, 150));
            Decision decision = decide(view, local(running(Role.PRIMARY, 150), false));
            assertThat(decision.action())
                    .isEqualTo(new Action.Follow(view.member("b").get()));
            assertThat(decision.reason()).contains("deposed");
        }
    }

    // ---- bootstrap ------------------------------------------------------------------------------------------

    /** The {@code leader} znode is there but no lease anyone can use: failover must still work, safely. */
    @Nested
    class BadLeaseZnode {
        private ClusterView withBadLease(long owner, boolean ours, MemberInfo... members) {
            ClusterView base = view(Optional.empty(), members);
            StateProblem problem = new StateProblem("/leader", "garbage", "not JSON");
            return new ClusterView(
                    base.members(),
                    Optional.empty(),
                    Optional.of(new BadLease(problem, owner, ours, 3, 8)),
                    7,
                    Optional.of("first"),
                    false,
                    Optional.empty(),
                    Optional.empty(),
                    Map.of(),
                    Optional.empty(),
                    List.of(problem));
        }

        @Test
        void nobodyTakesOverWhileAnotherSessionHoldsALeaseNobodyCanRead() {
            // the best candidate, with no primary in sight: it would take over, were the lease znode not there
            Decision decision = decide(
                    withBadLease(99, false, member("me", Role.REPLICA, 100), member("b", Role.REPLICA, 50)),
                    leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(30)));
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason())
                    .contains("garbage")
                    .contains("session 0x63")
                    .contains("nobody takes over");
        }

        @Test
        void aStoppedServerStartsReadOnlyMeanwhile() {
            Decision decision = decide(
                    withBadLease(99, false, member("me", Role.STOPPED, -1)),
                    leaderless(EngineStatus.stopped(DataState.VALID, Optional.empty()), -1, Duration.ZERO));
            assertThat(decision.action()).isEqualTo(new Action.StartAsReplica(Optional.empty()));
        }

        @Test
        void aPrimaryWhoseOwnLeaseWasOverwrittenIsFencedFirstThenGivesItUp() {
            ClusterView view =
                    withBadLease(MY_SESSION, true, member("me", Role.PRIMARY, 100), member("b", Role.REPLICA, 100));
            assertThat(decide(view, local(running(Role.PRIMARY, 100), false)).action())
                    .as("it cannot prove a lease it cannot read")
                    .isInstanceOf(Action.Fence.class);
            Decision fenced = decide(view, local(running(Role.REPLICA, 100), false));
            assertThat(fenced.action()).isInstanceOf(Action.ReleaseLease.class);
            assertThat(fenced.reason()).contains("belongs to this node's session");
        }

        @Test
        void aPersistentLeaderZnodeIsRemovedByAnyMember() {
            Decision decision = decide(
                    withBadLease(0, false, member("me", Role.REPLICA, 100)),
                    leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(30)));
            assertThat(decision.action()).isInstanceOf(Action.RemoveStrayLease.class);
            assertThat(((Action.RemoveStrayLease) decision.action()).stray().epochVersion())
                    .isEqualTo(8);
        }

        @Test
        void maintenanceModeLeavesItToTheOperator() {
            ClusterView bad = withBadLease(0, false, member("me", Role.REPLICA, 100));
            ClusterView maintenance = new ClusterView(
                    bad.members(),
                    bad.lease(),
                    bad.badLease(),
                    bad.epoch(),
                    bad.initialized(),
                    true,
                    bad.transfer(),
                    bad.sync(),
                    bad.settings(),
                    Optional.empty(),
                    bad.problems());
            assertThat(decide(maintenance, local(running(Role.REPLICA, 100), false))
                            .action())
                    .isInstanceOf(Action.Observe.class);
        }

        @Test
        void anUnreachableZooKeeperStillComesFirst() {
            LocalState cutOff = new LocalState(
                    running(Role.REPLICA, 100),
                    false,
                    false,
                    false,
                    Optional.empty(),
                    -1,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            assertThat(decide(withBadLease(0, false, member("me", Role.REPLICA, 100)), cutOff)
                            .action())
                    .isInstanceOf(Action.Observe.class);
        }
    }

    @Nested
    class Bootstrap {
        ClusterView fresh = new ClusterView(
                Map.of(), Optional.empty(), 0, Optional.empty(), false, Optional.empty(), Optional.empty());
        EngineStatus empty = EngineStatus.stopped(DataState.EMPTY, Optional.empty());

        @Test
        void firstMemberCreatesTheCluster() {
            assertThat(decide(fresh, local(empty, false)).action()).isInstanceOf(Action.InitializeCluster.class);
        }

        @Test
        void memberThatMustNotInitialiseWaits() {
            Policy replicaOnly = new Policy("me", HA, false, 100, false, Optional.of(STAR));
            assertThat(HaRules.decide(fresh, local(empty, false), replicaOnly, NOW)
                            .action())
                    .isInstanceOf(Action.Observe.class);
        }

        @Test
        void emptyMemberClonesFromAHealthyPrimary() {
            ClusterView view = view(leaseOf("a"), member("a", Role.PRIMARY, 100));
            assertThat(decide(view, local(empty, false)).action())
                    .isEqualTo(new Action.CloneFrom(view.member("a").get()));
        }

        @Test
        void emptyMemberOfAnInitialisedClusterWithoutPrimaryWaits() {
            ClusterView view = view(Optional.empty(), member("a", Role.REPLICA, 100));
            Decision decision = decide(view, local(empty, false));
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("waiting for a healthy primary");
        }

        @Test
        void leaseHolderWhoseDataVanishedReleasesTheLease() {
            ClusterView view = view(leaseOf("me"), member("me", Role.STOPPED, 100));
            assertThat(decide(view, local(empty, true)).action()).isInstanceOf(Action.ReleaseLease.class);
        }

        @Test
        void invalidDataIsNeverClonedOverWithoutAnOperator() {
            ClusterView view = view(leaseOf("a"), member("a", Role.PRIMARY, 100));
            EngineStatus invalid = EngineStatus.stopped(DataState.INVALID, Optional.of("PG_VERSION is 14"));
            assertThat(decide(view, local(invalid, false)).action()).isInstanceOf(Action.Observe.class);
            LocalState requested = new LocalState(
                    invalid,
                    true,
                    false,
                    false,
                    Optional.empty(),
                    -1,
                    Duration.ZERO,
                    false,
                    true,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            assertThat(decide(view, requested).action())
                    .isEqualTo(new Action.Reinitialize(view.member("a").get()));
        }
    }

    // ---- the lease holder -----------------------------------------------------------------------------------

    @Nested
    class LeaseHolder {
        @Test
        void healthyPrimaryLeads() {
            assertThat(decide(view(leaseOf("me"), member("me", Role.PRIMARY, 1)), local(running(Role.PRIMARY, 1), true))
                            .action())
                    .isInstanceOf(Action.Lead.class);
        }

        @Test
        void holderRunningAReplicaPromotes() {
            assertThat(decide(view(leaseOf("me")), local(running(Role.REPLICA, 1), true))
                            .action())
                    .isInstanceOf(Action.Promote.class);
        }

        @Test
        void crashedPrimaryIsRestartedInPlaceUntilTheStartTimeout() {
            EngineStatus down = EngineStatus.stopped(DataState.VALID, Optional.of("not running"));
            LocalState recent = new LocalState(
                    down,
                    true,
                    true,
                    true,
                    Optional.of(Duration.ofSeconds(2)),
                    -1,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            LocalState tooLong = new LocalState(
                    down,
                    true,
                    true,
                    true,
                    Optional.of(Duration.ofSeconds(11)),
                    -1,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            assertThat(decide(view(leaseOf("me")), recent).action()).isInstanceOf(Action.RestartAsPrimary.class);
            assertThat(decide(view(leaseOf("me")), tooLong).action()).isInstanceOf(Action.ReleaseLease.class);
        }

        @Test
        void aCrashedPrimaryWhoseRestartCouldLoseWritesHandsTheLeaseOnAtOnce() {
            Policy noRestart = new Policy(
                    "me",
                    HA,
                    false,
                    100,
                    true,
                    Optional.of(new ReplicationStyle(Topology.STAR, CandidateOrder.MOST_ADVANCED_FIRST, false)));
            EngineStatus down = EngineStatus.stopped(DataState.VALID, Optional.of("not running"));
            LocalState justDown = new LocalState(
                    down,
                    true,
                    true,
                    true,
                    Optional.of(Duration.ZERO),
                    -1,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            Decision decision = HaRules.decide(view(leaseOf("me")), justDown, noRestart, NOW);
            assertThat(decision.action()).isInstanceOf(Action.ReleaseLease.class);
            assertThat(decision.reason()).contains("could lose acknowledged writes");
        }
    }

    // ---- followers ------------------------------------------------------------------------------------------

    @Nested
    class Followers {
        ClusterView view = view(leaseOf("a"), member("a", Role.PRIMARY, 100));

        @Test
        void aReplicaThatCouldNotBeRewoundWaitsForAnOperatorWhenTheEngineSaysSo() {
            ClusterView view = view(leaseOf("b"), member("b", Role.PRIMARY, 200));
            LocalState stuck = new LocalState(
                    EngineStatus.stopped(DataState.VALID, Optional.empty()),
                    true,
                    false,
                    false,
                    Optional.empty(),
                    200,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.of("rewind from b failed: ...; automatic reinitialise is off"));
            Decision decision = decide(view, stuck);
            assertThat(decision.action()).isInstanceOf(Action.WaitForOperator.class);
            assertThat(decision.reason()).contains("could not rewind to follow b (epoch 7); waiting for an operator");

            // an operator's request clones it again
            LocalState requested = new LocalState(
                    EngineStatus.stopped(DataState.VALID, Optional.empty()),
                    true,
                    false,
                    false,
                    Optional.empty(),
                    200,
                    Duration.ZERO,
                    false,
                    true,
                    Optional.empty(),
                    false,
                    false,
                    Optional.of("rewind from b failed"));
            assertThat(decide(view, requested).action()).isInstanceOf(Action.Reinitialize.class);
        }

        @Test
        void streamingReplicaObserves() {
            assertThat(decide(view, local(replicaOf("a", 90), false)).action()).isInstanceOf(Action.Observe.class);
        }

        @Test
        void replicaOfSomebodyElseFollowsThePrimary() {
            assertThat(decide(view, local(replicaOf("old", 90), false)).action())
                    .isEqualTo(new Action.Follow(view.member("a").get()));
        }

        @Test
        void stoppedReplicaStartsFollowingThePrimary() {
            assertThat(decide(view, local(EngineStatus.stopped(DataState.VALID, Optional.empty()), false))
                            .action())
                    .isEqualTo(new Action.StartAsReplica(view.member("a")));
        }

        @Test
        void replicaThatCouldNotRewindIsReinitialised() {
            LocalState failed = new LocalState(
                    EngineStatus.stopped(DataState.VALID, Optional.empty()),
                    true,
                    false,
                    false,
                    Optional.empty(),
                    -1,
                    Duration.ZERO,
                    true,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());
            assertThat(decide(view, failed).action())
                    .isEqualTo(new Action.Reinitialize(view.member("a").get()));
        }

        @Test
        void maintenanceModeTakesNoAction() {
            ClusterView paused = new ClusterView(
                    view.members(), view.lease(), 7, Optional.of("a"), true, Optional.empty(), Optional.empty());
            assertThat(decide(paused, local(replicaOf("old", 90), false)).action())
                    .isInstanceOf(Action.Observe.class);
            ClusterView leaderless = new ClusterView(
                    Map.of(), Optional.empty(), 7, Optional.of("a"), true, Optional.empty(), Optional.empty());
            assertThat(decide(leaderless, leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(9)))
                            .action())
                    .isInstanceOf(Action.Observe.class);
        }
    }

    @Nested
    class Chain {
        final Policy chained = new Policy("me", HA, false, 100, true, Optional.of(CHAIN));
        final MemberInfo primary = member("p", Role.PRIMARY, 100);

        Decision decideChained(ClusterView view, EngineStatus engine) {
            return HaRules.decide(view, local(engine, false), chained, NOW);
        }

        @Test
        void replicaStreamingFromTheNearestHealthyReplicaBeforeItObserves() {
            ClusterView view = view(
                    leaseOf("p"),
                    primary,
                    streamingFrom("a", "p", 90),
                    streamingFrom("b", "a", 90),
                    streamingFrom("z", "me", 80));
            Decision decision = decideChained(view, replicaOf("b", 90));
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("streaming from b, next before it in the chain headed by p");
        }

        @Test
        void replicaStreamingFromThePrimaryMovesDownTheChain() {
            ClusterView view = view(leaseOf("p"), primary, streamingFrom("a", "p", 90), streamingFrom("b", "a", 90));
            assertThat(decideChained(view, replicaOf("p", 90)).action())
                    .isEqualTo(new Action.Follow(view.member("b").get()));
        }

        @Test
        void whenItsUpstreamLinkDiesItRepointsToTheGrandMaster() {
            MemberInfo brokenLink = new MemberInfo(
                    "b",
                    Role.REPLICA,
                    false,
                    endpoint("b"),
                    "",
                    90,
                    1,
                    Optional.empty(),
                    false,
                    false,
                    100,
                    "t",
                    NOW,
                    Optional.of("link down"),
                    Optional.empty(),
                    Map.of(),
                    Optional.empty(),
                    false);
            ClusterView view = view(leaseOf("p"), primary, streamingFrom("a", "p", 90), brokenLink);
            assertThat(decideChained(view, replicaOf("b", 90)).action())
                    .isEqualTo(new Action.Follow(view.member("a").get()));
            ClusterView headOnly = view(leaseOf("p"), primary, member("a", Role.STOPPED, -1), brokenLink);
            assertThat(decideChained(headOnly, replicaOf("b", 90)).action()).isEqualTo(new Action.Follow(primary));
        }

        @Test
        void theChainHealsWhenTheSkippedMemberStreamsAgain() {
            ClusterView view = view(leaseOf("p"), primary, streamingFrom("b", "p", 90));
            assertThat(decideChained(view, replicaOf("p", 90)).action())
                    .isEqualTo(new Action.Follow(view.member("b").get()));
        }

        @Test
        void membersAfterThisOneAndThePrimaryItselfAreNeverItsUpstreamReplica() {
            MemberInfo lateHead = member("zz", Role.PRIMARY, 100);
            ClusterView view = view(leaseOf("zz"), lateHead, streamingFrom("z", "zz", 90));
            Decision decision = decideChained(view, replicaOf("zz", 90));
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("streaming from the primary zz");
        }

        @Test
        void stoppedServerAndDeposedPrimaryJoinTheChainAtTheirPlace() {
            ClusterView view = view(leaseOf("p"), primary, streamingFrom("a", "p", 90));
            assertThat(decideChained(view, EngineStatus.stopped(DataState.VALID, Optional.empty()))
                            .action())
                    .isEqualTo(new Action.StartAsReplica(view.member("a")));
            assertThat(decideChained(view, running(Role.PRIMARY, 95)).action())
                    .isEqualTo(new Action.Follow(view.member("a").get()));
        }

        @Test
        void starTopologyFollowsThePrimaryWhateverOtherReplicasDo() {
            ClusterView view = view(leaseOf("p"), primary, streamingFrom("a", "p", 90));
            assertThat(decide(view, local(replicaOf("a", 90), false)).action()).isEqualTo(new Action.Follow(primary));
        }
    }

    @Nested
    class PriorityFirst {
        final Policy redisLike = new Policy("me", HA, false, 100, true, Optional.of(CHAIN));

        MemberInfo replica(String name, long position, int priority) {
            return new MemberInfo(
                    name,
                    Role.REPLICA,
                    false,
                    endpoint(name),
                    "",
                    position,
                    1,
                    Optional.empty(),
                    false,
                    false,
                    priority,
                    "t",
                    NOW,
                    Optional.of("link down"),
                    Optional.empty(),
                    Map.of(),
                    Optional.empty(),
                    false);
        }

        Decision decideLeaderless(ClusterView view, long position, long primaryWasAt) {
            return HaRules.decide(
                    view,
                    leaderless(running(Role.REPLICA, position), primaryWasAt, Duration.ofSeconds(1)),
                    redisLike,
                    NOW);
        }

        @Test
        void aHigherPriorityReplicaWinsOverAMoreAdvancedOne() {
            ClusterView view = view(Optional.empty(), replica("b", 100, 200));
            Decision decision = decideLeaderless(view, 120, 120);
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("b is a better candidate (priority 200");
        }

        @Test
        void theHighestPriorityTakesOverThoughBehindAnother() {
            ClusterView view = view(Optional.empty(), replica("b", 120, 50));
            assertThat(decideLeaderless(view, 100, 120).action())
                    .isEqualTo(new Action.TakeOver(Action.TakeoverReason.FAILOVER));
        }

        @Test
        void equalPrioritiesFallBackToPositionThenName() {
            assertThat(decideLeaderless(view(Optional.empty(), replica("b", 120, 100)), 100, 120)
                            .action())
                    .isInstanceOf(Action.Observe.class);
            assertThat(decideLeaderless(view(Optional.empty(), replica("a", 100, 100)), 100, 120)
                            .action())
                    .isInstanceOf(Action.Observe.class);
            assertThat(decideLeaderless(view(Optional.empty(), replica("z", 100, 100)), 100, 120)
                            .action())
                    .isInstanceOf(Action.TakeOver.class);
        }

        @Test
        void priorityNeverOutweighsTheLagLimit() {
            long primaryWasAt = 10L << 20;
            ClusterView view = view(Optional.empty(), replica("b", primaryWasAt, 50));
            Decision decision = HaRules.decide(
                    view,
                    leaderless(running(Role.REPLICA, 1), primaryWasAt, Duration.ofSeconds(1)),
                    new Policy("me", HA, false, 500, true, Optional.of(CHAIN)),
                    NOW);
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("exceeds maximum_lag_on_failover");
            assertThat(decideLeaderless(view(Optional.empty(), replica("b", 1, 500)), primaryWasAt, primaryWasAt)
                            .action())
                    .isEqualTo(new Action.TakeOver(Action.TakeoverReason.FAILOVER));
        }

        @Test
        void rankingOrdersByTheEngineChoice() {
            List<MemberInfo> members = List.of(replica("a", 100, 100), replica("b", 200, 50), replica("c", 100, 300));
            assertThat(members.stream()
                            .sorted(HaRules.ranking(CandidateOrder.PRIORITY_FIRST))
                            .map(MemberInfo::name))
                    .containsExactly("c", "a", "b");
            assertThat(members.stream()
                            .sorted(HaRules.ranking(CandidateOrder.MOST_ADVANCED_FIRST))
                            .map(MemberInfo::name))
                    .containsExactly("b", "c", "a");
        }
    }

    // ---- failover -------------------------------------------------------------------------------------------

    @Nested
    class Failover {
        @Test
        void mostAdvancedEligibleReplicaTakesOver() {
            ClusterView view = view(Optional.empty(), member("me", Role.REPLICA, 100), member("b", Role.REPLICA, 90));
            Decision decision = decide(view, leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(1)));
            assertThat(decision.action()).isEqualTo(new Action.TakeOver(Action.TakeoverReason.FAILOVER));
            assertThat(decision.reason()).contains("best eligible replica");
        }

        @Test
        void lessAdvancedReplicaLeavesItToTheBetterOne() {
            ClusterView view = view(Optional.empty(), member("me", Role.REPLICA, 90), member("b", Role.REPLICA, 100));
            Decision decision = decide(view, leaderless(running(Role.REPLICA, 90), 100, Duration.ofSeconds(1)));
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("b is a better candidate");
        }

        @Test
        void replicaThatLostItsPrimaryStillCountsAsACandidate() {
            // With the primary gone every replica says it is not streaming; the more advanced one must still win.
            MemberInfo notStreaming = new MemberInfo(
                    "b",
                    Role.REPLICA,
                    false,
                    endpoint("b"),
                    "",
                    100,
                    1,
                    Optional.empty(),
                    false,
                    false,
                    100,
                    "t",
                    NOW,
                    Optional.of("not streaming"),
                    Optional.empty(),
                    Map.of(),
                    Optional.empty(),
                    false);
            Decision decision = decide(
                    view(Optional.empty(), notStreaming),
                    leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(1)));
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("b is a better candidate");
        }

        @Test
        void tieIsBrokenByPriorityThenName() {
            MemberInfo higher = new MemberInfo(
                    "b",
                    Role.REPLICA,
                    true,
                    endpoint("b"),
                    "",
                    100,
                    1,
                    Optional.empty(),
                    false,
                    false,
                    200,
                    "t",
                    NOW,
                    Optional.empty(),
                    Optional.empty(),
                    Map.of(),
                    Optional.empty(),
                    false);
            ClusterView view = view(Optional.empty(), higher);
            assertThat(decide(view, leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(1)))
                            .action())
                    .isInstanceOf(Action.Observe.class);
            ClusterView samePriority = view(Optional.empty(), member("zz", Role.REPLICA, 100));
            assertThat(decide(samePriority, leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(1)))
                            .action())
                    .isInstanceOf(Action.TakeOver.class);
            assertThat(HaRules.compareCandidates(CandidateOrder.MOST_ADVANCED_FIRST, 100, 100, "a", 100, 100, "b"))
                    .isNegative();
        }

        @Test
        void replicaTooFarBehindNeverPromotes() {
            long primaryWasAt = 10L << 20;
            ClusterView view = view(Optional.empty(), member("me", Role.REPLICA, 1));
            Decision decision = decide(view, leaderless(running(Role.REPLICA, 1), primaryWasAt, Duration.ofSeconds(5)));
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("exceeds maximum_lag_on_failover");
        }

        @Test
        void laggingPeerDoesNotBlockAnEligibleOne() {
            long primaryWasAt = 10L << 20;
            ClusterView view = view(Optional.empty(), member("b", Role.REPLICA, 1));
            assertThat(decide(
                                    view,
                                    leaderless(
                                            running(Role.REPLICA, primaryWasAt), primaryWasAt, Duration.ofSeconds(5)))
                            .action())
                    .isInstanceOf(Action.TakeOver.class);
        }

        @Test
        void pausedReplayNeverPromotes() {
            EngineStatus paused = new EngineStatus(
                    Role.REPLICA, DataState.VALID, 100, 1, Optional.empty(), true, List.of(), Optional.empty());
            Decision decision = decide(view(Optional.empty()), leaderless(paused, 100, Duration.ofSeconds(5)));
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("replay is paused");
        }

        @Test
        void nofailoverAndZeroPriorityNeverPromote() {
            for (Policy policy : List.of(
                    new Policy("me", HA, true, 100, true, Optional.of(STAR)),
                    new Policy("me", HA, false, 0, true, Optional.of(STAR)))) {
                assertThat(HaRules.decide(
                                        view(Optional.empty()),
                                        leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(5)),
                                        policy,
                                        NOW)
                                .action())
                        .isInstanceOf(Action.Observe.class);
            }
        }

        @Test
        void aMemberStandingAsideNeverTakesOverAndLeavesItToTheNextBest() {
            LocalState aside = new LocalState(
                    running(Role.REPLICA, 100),
                    true,
                    false,
                    false,
                    Optional.empty(),
                    100,
                    Duration.ofSeconds(5),
                    false,
                    false,
                    Optional.of("could not start the fence guard: Is a directory"),
                    false,
                    false,
                    Optional.empty());
            Decision decision = decide(view(Optional.empty(), member("b", Role.REPLICA, 90)), aside);
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("standing aside: could not start the fence guard");

            // and the less advanced member does not wait for it
            MemberInfo best = new MemberInfo(
                    "b",
                    Role.REPLICA,
                    true,
                    endpoint("b"),
                    "",
                    100,
                    1,
                    Optional.empty(),
                    false,
                    false,
                    100,
                    "t",
                    NOW,
                    Optional.empty(),
                    Optional.empty(),
                    Map.of(),
                    Optional.of("no fence guard"),
                    false);
            assertThat(decide(
                                    view(Optional.empty(), best),
                                    leaderless(running(Role.REPLICA, 90), 100, Duration.ofSeconds(5)))
                            .action())
                    .isEqualTo(new Action.TakeOver(Action.TakeoverReason.FAILOVER));
        }

        @Test
        void aMemberShuttingDownIsNoCandidateSoTheNextBestDoesNotWaitForIt() {
            ClusterView view = view(Optional.empty(), stopping(member("b", Role.REPLICA, 100)));
            assertThat(decide(view, leaderless(running(Role.REPLICA, 90), 100, Duration.ofSeconds(5)))
                            .action())
                    .isEqualTo(new Action.TakeOver(Action.TakeoverReason.FAILOVER));

            ClusterView notStopping = view(Optional.empty(), member("b", Role.REPLICA, 100));
            assertThat(decide(notStopping, leaderless(running(Role.REPLICA, 90), 100, Duration.ofSeconds(5)))
                            .action())
                    .isInstanceOf(Action.Observe.class);
        }

        @Test
        void candidateWaitsForFreshPositionsOnlyForABoundedTime() {
            MemberInfo stale = new MemberInfo(
                    "b",
                    Role.REPLICA,
                    true,
                    endpoint("b"),
                    "",
                    50,
                    1,
                    Optional.empty(),
                    false,
                    false,
                    100,
                    "t",
                    NOW - 5_000,
                    Optional.empty(),
                    Optional.empty(),
                    Map.of(),
                    Optional.empty(),
                    false);
            ClusterView view = view(Optional.empty(), stale);
            Decision early = decide(view, leaderless(running(Role.REPLICA, 100), 100, Duration.ofMillis(500)));
            assertThat(early.action()).isInstanceOf(Action.Observe.class);
            assertThat(early.reason()).contains("waiting for fresh positions from b");
            assertThat(decide(view, leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(3)))
                            .action())
                    .isInstanceOf(Action.TakeOver.class);
        }

        @Test
        void stoppedServerStartsAsReplicaToLearnItsPosition() {
            assertThat(decide(
                                    view(Optional.empty()),
                                    leaderless(
                                            EngineStatus.stopped(DataState.VALID, Optional.empty()),
                                            -1,
                                            Duration.ofSeconds(1)))
                            .action())
                    .isEqualTo(new Action.StartAsReplica(Optional.empty()));
        }
    }

    // ---- failsafe mode and leases left by an earlier session -----------------------------------------------------

    @Nested
    class Failsafe {
        private final Policy failsafeOn = new Policy(
                "me",
                new HaConfig(Duration.ofSeconds(1), 1 << 20, Duration.ofSeconds(10), false, false, true),
                false,
                100,
                true,
                Optional.of(STAR));

        private LocalState state(
                EngineStatus engine,
                boolean readable,
                boolean holdsLease,
                boolean leaseValid,
                boolean failsafeConfirmed,
                boolean staleLeaseOfOurs) {
            return new LocalState(
                    engine,
                    readable,
                    holdsLease,
                    leaseValid,
                    Optional.empty(),
                    -1,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    failsafeConfirmed,
                    staleLeaseOfOurs,
                    Optional.empty());
        }

        @Test
        void aPrimaryEveryMemberConfirmedGoesOnWithoutZooKeeperAndIsFencedOnceTheyStop() {
            ClusterView lastSeen = view(leaseOf("me"), member("me", Role.PRIMARY, 100));
            Decision confirmed = HaRules.decide(
                    lastSeen, state(running(Role.PRIMARY, 100), false, true, false, true, false), failsafeOn, NOW);
            Decision notConfirmed = HaRules.decide(
                    lastSeen, state(running(Role.PRIMARY, 100), false, true, false, false, false), failsafeOn, NOW);
            assertThat(confirmed.action()).isInstanceOf(Action.Observe.class);
            assertThat(confirmed.reason()).contains("failsafe mode: every member confirmed, writes go on");
            assertThat(notConfirmed.action()).isInstanceOf(Action.Fence.class);
            assertThat(notConfirmed.reason()).contains("not every member confirmed failsafe mode");
        }

        @Test
        void backWithZooKeeperAndNoLeaseThePrimaryFailsafeKeptTakesTheLeaseInsteadOfBeingFenced() {
            ClusterView noLease =
                    view(Optional.empty(), member("me", Role.PRIMARY, 100), member("b", Role.REPLICA, 100));
            Decision kept = HaRules.decide(
                    noLease, state(running(Role.PRIMARY, 100), true, false, false, true, false), failsafeOn, NOW);
            Decision notKept = HaRules.decide(
                    noLease, state(running(Role.PRIMARY, 100), true, false, false, false, false), failsafeOn, NOW);
            assertThat(kept.action()).isEqualTo(new Action.TakeOver(Action.TakeoverReason.AFTER_FAILSAFE));
            assertThat(notKept.action()).isInstanceOf(Action.Fence.class);
        }

        @Test
        void aLeaseOfThisAgentsEarlierSessionIsReclaimedByAReplicaOrAPrimaryFailsafeKept() {
            Optional<Lease> earlier = Optional.of(new Lease("me", 7, MY_SESSION - 1));
            ClusterView view = view(earlier, member("me", Role.REPLICA, 100), member("b", Role.REPLICA, 100));

            Decision readOnly = decide(view, state(running(Role.REPLICA, 100), true, false, false, false, true));
            Decision keptPrimary = decide(view, state(running(Role.PRIMARY, 100), true, false, false, true, true));
            Decision unkeptPrimary = decide(view, state(running(Role.PRIMARY, 100), true, false, false, false, true));
            Decision anotherProcesses =
                    decide(view, state(running(Role.REPLICA, 100), true, false, false, false, false));

            assertThat(readOnly.action()).isInstanceOf(Action.ReclaimLease.class);
            assertThat(readOnly.reason()).contains("earlier ZooKeeper session of this agent, which is gone");
            assertThat(keptPrimary.action()).isInstanceOf(Action.ReclaimLease.class);
            assertThat(unkeptPrimary.action()).isInstanceOf(Action.Fence.class);
            assertThat(anotherProcesses.action())
                    .as("a session this agent never had")
                    .isInstanceOf(Action.Observe.class);
        }

        @Test
        void inMaintenanceNothingIsReclaimedOrTakenAndAnUnprovablePrimaryIsFenced() {
            ClusterView earlier = new ClusterView(
                    Map.of(),
                    Optional.of(new Lease("me", 7, MY_SESSION - 1)),
                    7,
                    Optional.of("me"),
                    true,
                    Optional.empty(),
                    Optional.empty());
            ClusterView noLease = new ClusterView(
                    Map.of(), Optional.empty(), 7, Optional.of("me"), true, Optional.empty(), Optional.empty());
            assertThat(decide(earlier, state(running(Role.REPLICA, 100), true, false, false, false, true))
                            .action())
                    .isInstanceOf(Action.Observe.class);
            assertThat(HaRules.decide(
                                    noLease,
                                    state(running(Role.PRIMARY, 100), true, false, false, true, false),
                                    failsafeOn,
                                    NOW)
                            .action())
                    .isInstanceOf(Action.Fence.class);
        }

        @Test
        void aMemberTheCurrentPrimaryDidNotCountOnNeverTakesTheLeaseInFailsafeMode() {
            ClusterView leaderless = new ClusterView(
                    Map.of("b", member("b", Role.REPLICA, 10)),
                    Optional.empty(),
                    Optional.empty(),
                    7,
                    Optional.of("a"),
                    false,
                    Optional.empty(),
                    Optional.empty(),
                    Map.of(),
                    Optional.of(new io.steward.coordination.FailsafeMembers("a", 7, Map.of("b", "http://b"))),
                    List.of());
            Decision decision = HaRules.decide(
                    leaderless, leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(5)), failsafeOn, NOW);
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("counts on b but not on this member");
            // with failsafe mode off, the record is not in the way
            assertThat(decide(leaderless, leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(5)))
                            .action())
                    .isEqualTo(new Action.TakeOver(Action.TakeoverReason.FAILOVER));
        }
    }

    // ---- synchronous mode -----------------------------------------------------------------------------------

    @Nested
    class SynchronousMode {
        Policy syncPolicy = new Policy("me", SYNC, false, 100, true, Optional.of(STAR));

        ClusterView withSync(Optional<String> standby, MemberInfo... members) {
            ClusterView base = view(Optional.empty(), members);
            return new ClusterView(
                    base.members(),
                    Optional.empty(),
                    7,
                    Optional.of("a"),
                    false,
                    Optional.empty(),
                    Optional.of(new SyncState("a", standby)));
        }

        @Test
        void onlyTheRecordedSynchronousStandbyMayTakeOver() {
            LocalState me = leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(5));
            assertThat(HaRules.decide(withSync(Optional.of("me")), me, syncPolicy, NOW)
                            .action())
                    .isInstanceOf(Action.TakeOver.class);
            Decision other =
                    HaRules.decide(withSync(Optional.of("b"), member("b", Role.REPLICA, 10)), me, syncPolicy, NOW);
            assertThat(other.action()).isInstanceOf(Action.Observe.class);
            assertThat(other.reason())
                    .contains("only a (the last primary) and b (its synchronous standby) are known to "
                            + "have every acknowledged write");
        }

        @Test
        void withoutARecordedStandbyNobodyButTheLastPrimaryTakesOver() {
            LocalState me = leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(5));
            Decision decision = HaRules.decide(withSync(Optional.empty()), me, syncPolicy, NOW);
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason())
                    .contains("only a (the last primary) is known to have every acknowledged write");
        }

        @Test
        void theLastPrimaryDemotedToReadOnlyMayTakeTheLeaseAgainWithOrWithoutAStandby() {
            // it acknowledged every write itself; a takeover would have recorded another leader
            Policy lastPrimary = new Policy("a", SYNC, false, 100, true, Optional.of(STAR));
            LocalState demoted = leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(5));
            assertThat(HaRules.decide(withSync(Optional.empty()), demoted, lastPrimary, NOW)
                            .action())
                    .isEqualTo(new Action.TakeOver(Action.TakeoverReason.FAILOVER));
            // a less advanced standby waits for it, a more advanced one goes first
            assertThat(HaRules.decide(
                                    withSync(Optional.of("b"), member("b", Role.REPLICA, 90)),
                                    demoted,
                                    lastPrimary,
                                    NOW)
                            .action())
                    .isEqualTo(new Action.TakeOver(Action.TakeoverReason.FAILOVER));
            assertThat(HaRules.decide(
                                    withSync(Optional.of("b"), member("b", Role.REPLICA, 110)),
                                    demoted,
                                    lastPrimary,
                                    NOW)
                            .action())
                    .isInstanceOf(Action.Observe.class);
        }

        @Test
        void synchronousStandbyTakesOverEvenWhenAnotherReplicaIsAhead() {
            LocalState me = leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(5));
            ClusterView view = withSync(Optional.of("me"), member("b", Role.REPLICA, 500));
            assertThat(HaRules.decide(view, me, syncPolicy, NOW).action()).isInstanceOf(Action.TakeOver.class);
        }
    }

    // ---- operator requests ----------------------------------------------------------------------------------

    @Nested
    class Transfers {
        ClusterView withTransfer(Optional<Lease> lease, TransferRequest request, MemberInfo... members) {
            ClusterView base = view(lease, members);
            return new ClusterView(
                    base.members(), lease, 7, Optional.of("me"), false, Optional.of(request), Optional.empty());
        }

        @Test
        void primaryHandsOverToTheNamedHealthyReplica() {
            MemberInfo b = streamingFrom("b", "me", 100);
            ClusterView view = withTransfer(
                    leaseOf("me"),
                    new TransferRequest(TransferRequest.Kind.SWITCHOVER, "me", Optional.of("b"), NOW),
                    member("me", Role.PRIMARY, 100),
                    b);
            assertThat(decide(view, local(running(Role.PRIMARY, 100), true)).action())
                    .isEqualTo(new Action.HandOver(b, true));
        }

        @Test
        void switchoverWithoutCandidatePicksTheBestReplica() {
            MemberInfo b = streamingFrom("b", "me", 90);
            MemberInfo c = streamingFrom("c", "me", 100);
            ClusterView view = withTransfer(
                    leaseOf("me"),
                    new TransferRequest(TransferRequest.Kind.SWITCHOVER, "me", Optional.empty(), NOW),
                    member("me", Role.PRIMARY, 100),
                    b,
                    c);
            assertThat(decide(view, local(running(Role.PRIMARY, 100), true)).action())
                    .isEqualTo(new Action.HandOver(c, true));
        }

        @Test
        void forcedFailoverDoesNotWaitForCatchUp() {
            MemberInfo b = streamingFrom("b", "me", 10);
            ClusterView view = withTransfer(
                    leaseOf("me"),
                    new TransferRequest(TransferRequest.Kind.FAILOVER, "me", Optional.of("b"), NOW),
                    member("me", Role.PRIMARY, 100),
                    b);
            assertThat(decide(view, local(running(Role.PRIMARY, 100), true)).action())
                    .isEqualTo(new Action.HandOver(b, false));
        }

        @Test
        void impossibleOrStaleRequestsAreCancelled() {
            TransferRequest toStopped =
                    new TransferRequest(TransferRequest.Kind.SWITCHOVER, "me", Optional.of("b"), NOW);
            ClusterView stopped =
                    withTransfer(leaseOf("me"), toStopped, member("me", Role.PRIMARY, 1), member("b", Role.STOPPED, 1));
            assertThat(decide(stopped, local(running(Role.PRIMARY, 1), true)).action())
                    .isInstanceOf(Action.CancelTransfer.class);

            TransferRequest expired = new TransferRequest(
                    TransferRequest.Kind.SWITCHOVER,
                    "me",
                    Optional.of("b"),
                    NOW - HaRules.TRANSFER_EXPIRY.toMillis() - 1);
            ClusterView old =
                    withTransfer(leaseOf("me"), expired, member("me", Role.PRIMARY, 1), streamingFrom("b", "me", 1));
            assertThat(decide(old, local(running(Role.PRIMARY, 1), true)).action())
                    .isInstanceOf(Action.CancelTransfer.class);

            TransferRequest otherPrimary =
                    new TransferRequest(TransferRequest.Kind.SWITCHOVER, "x", Optional.of("b"), NOW);
            ClusterView wrong = withTransfer(
                    leaseOf("me"), otherPrimary, member("me", Role.PRIMARY, 1), streamingFrom("b", "me", 1));
            assertThat(decide(wrong, local(running(Role.PRIMARY, 1), true)).action())
                    .isInstanceOf(Action.CancelTransfer.class);
        }

        @Test
        void aSwitchoverNeverGoesToAMemberShuttingDown() {
            MemberInfo b = stopping(streamingFrom("b", "me", 100));
            ClusterView named = withTransfer(
                    leaseOf("me"),
                    new TransferRequest(TransferRequest.Kind.SWITCHOVER, "me", Optional.of("b"), NOW),
                    member("me", Role.PRIMARY, 100),
                    b);
            Decision cancelled = decide(named, local(running(Role.PRIMARY, 100), true));
            assertThat(cancelled.action()).isInstanceOf(Action.CancelTransfer.class);
            assertThat(cancelled.reason()).contains("candidate b is shutting down");

            ClusterView forced = withTransfer(
                    leaseOf("me"),
                    new TransferRequest(TransferRequest.Kind.FAILOVER, "me", Optional.of("b"), NOW),
                    member("me", Role.PRIMARY, 100),
                    b);
            assertThat(decide(forced, local(running(Role.PRIMARY, 100), true)).action())
                    .isInstanceOf(Action.CancelTransfer.class);

            MemberInfo c = streamingFrom("c", "me", 90);
            ClusterView unnamed = withTransfer(
                    leaseOf("me"),
                    new TransferRequest(TransferRequest.Kind.SWITCHOVER, "me", Optional.empty(), NOW),
                    member("me", Role.PRIMARY, 100),
                    b,
                    c);
            assertThat(decide(unnamed, local(running(Role.PRIMARY, 100), true)).action())
                    .isEqualTo(new Action.HandOver(c, true));
        }

        @Test
        void nobodyWaitsForANamedCandidateThatIsShuttingDown() {
            TransferRequest forC = new TransferRequest(TransferRequest.Kind.SWITCHOVER, "a", Optional.of("c"), NOW);
            ClusterView view = withTransfer(
                    Optional.empty(), forC, member("me", Role.REPLICA, 100), stopping(member("c", Role.REPLICA, 100)));
            assertThat(decide(view, leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(1)))
                            .action())
                    .isEqualTo(new Action.TakeOver(Action.TakeoverReason.FAILOVER));
        }

        @Test
        void namedCandidateTakesTheFreeLeaseAndOthersWait() {
            TransferRequest request = new TransferRequest(TransferRequest.Kind.SWITCHOVER, "a", Optional.of("me"), NOW);
            ClusterView view = withTransfer(
                    Optional.empty(), request, member("me", Role.REPLICA, 10), member("c", Role.REPLICA, 99));
            assertThat(decide(view, leaderless(running(Role.REPLICA, 10), 100, Duration.ofSeconds(1)))
                            .action())
                    .isEqualTo(new Action.TakeOver(Action.TakeoverReason.SWITCHOVER));

            TransferRequest forOther = new TransferRequest(TransferRequest.Kind.SWITCHOVER, "a", Optional.of("c"), NOW);
            ClusterView other = withTransfer(
                    Optional.empty(), forOther, member("me", Role.REPLICA, 100), member("c", Role.REPLICA, 10));
            Decision decision = decide(other, leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(1)));
            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("waiting for c");
        }

        @Nested
        class Scheduled {
            final MemberInfo b = streamingFrom("b", "me", 100);
            final long at = NOW + 60_000;

            TransferRequest scheduledFor(long atMillis) {
                return new TransferRequest(
                        TransferRequest.Kind.SWITCHOVER,
                        "me",
                        Optional.of("b"),
                        NOW - 3_600_000,
                        Optional.of(atMillis));
            }

            Decision decideAt(TransferRequest request, long nowMillis) {
                ClusterView view = withTransfer(leaseOf("me"), request, member("me", Role.PRIMARY, 100), b);
                return HaRules.decide(view, local(running(Role.PRIMARY, 100), true), ME, nowMillis);
            }

            @Test
            void beforeItsTimeThePrimaryLeadsAndSaysWhenItWillHandOver() {
                Decision decision = decideAt(scheduledFor(at), at - 1);

                assertThat(decision.action()).isEqualTo(new Action.Lead());
                assertThat(decision.reason())
                        .contains("switchover to b scheduled at " + java.time.Instant.ofEpochMilli(at));
            }

            @Test
            void fromItsTimeItIsCarriedOutAsARequestMadeThen() {
                assertThat(decideAt(scheduledFor(at), at).action()).isEqualTo(new Action.HandOver(b, true));
                // asked for an hour before: the expiry counts from the scheduled time
                assertThat(decideAt(scheduledFor(at), at + HaRules.TRANSFER_EXPIRY.toMillis())
                                .action())
                        .isEqualTo(new Action.HandOver(b, true));
            }

            @Test
            void longPastItsTimeItIsDropped() {
                assertThat(decideAt(scheduledFor(at), at + HaRules.TRANSFER_EXPIRY.toMillis() + 1)
                                .action())
                        .isInstanceOf(Action.CancelTransfer.class);
            }

            @Test
            void oneForAnotherPrimaryIsDroppedAtOnce() {
                TransferRequest stale = new TransferRequest(
                        TransferRequest.Kind.SWITCHOVER, "x", Optional.of("b"), NOW, Optional.of(at));

                assertThat(decideAt(stale, NOW).action()).isInstanceOf(Action.CancelTransfer.class);
            }

            @Test
            void withoutAPrimaryOneNotYetDueIsIgnoredAndTheBestReplicaTakesOver() {
                TransferRequest toC = new TransferRequest(
                        TransferRequest.Kind.SWITCHOVER, "a", Optional.of("c"), NOW, Optional.of(at));
                ClusterView view = withTransfer(
                        Optional.empty(), toC, member("me", Role.REPLICA, 100), member("c", Role.REPLICA, 10));

                Decision decision = decide(view, leaderless(running(Role.REPLICA, 100), 100, Duration.ofSeconds(10)));

                assertThat(decision.action()).isEqualTo(new Action.TakeOver(Action.TakeoverReason.FAILOVER));
            }
        }
    }

    /**
     * Elasticsearch, OpenSearch and MongoDB elect their own primary: whatever the view says, the rules take no lease,
     * promote and fence nothing; they only create the cluster once and let its elected primary keep the member list.
     */
    @Nested
    class EngineElectsPrimary {
        Policy observer = new Policy("me", HA, false, 100, true, Optional.empty());
        ClusterView fresh = new ClusterView(
                Map.of(), Optional.empty(), 0, Optional.empty(), false, Optional.empty(), Optional.empty());
        /** A server that runs but belongs to no cluster yet (a mongod started with --replSet, not initiated). */
        EngineStatus unjoined = new EngineStatus(
                Role.REPLICA, DataState.EMPTY, -1, 0, Optional.empty(), false, List.of(), Optional.empty());

        @Test
        void electedPrimaryWithoutALeaseIsNotFencedButKeepsTheMemberList() {
            Decision decision = HaRules.decide(
                    view(Optional.empty(), member("me", Role.PRIMARY, -1)),
                    local(running(Role.PRIMARY, -1), false),
                    observer,
                    NOW);

            assertThat(decision.action()).isInstanceOf(Action.Lead.class);
            assertThat(decision.reason()).contains("elects its own primary").contains("its elected primary");
        }

        @Test
        void theFirstRunningServerOfNoClusterCreatesIt() {
            Decision decision = HaRules.decide(fresh, local(unjoined, false), observer, NOW);

            assertThat(decision.action()).isInstanceOf(Action.InitializeCluster.class);
            assertThat(decision.reason()).isEqualTo("no cluster exists yet; creating it with this node");
        }

        @Test
        void aServerOutsideAnExistingClusterWaitsToBeAdded() {
            Decision decision = HaRules.decide(
                    view(Optional.empty(), member("a", Role.PRIMARY, -1)), local(unjoined, false), observer, NOW);

            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason())
                    .isEqualTo("not a member yet; waiting for the elected primary to add it "
                            + "(cluster created by first)");
        }

        @Test
        void aServerThatMayNotCreateTheClusterWaitsEvenWhenNoneExists() {
            Policy arbiter = new Policy("me", HA, false, 100, false, Optional.empty());

            assertThat(HaRules.decide(fresh, local(unjoined, false), arbiter, NOW)
                            .action())
                    .isInstanceOf(Action.Observe.class);
        }

        @Test
        void maintenanceModeLeavesEvenTheMemberListAlone() {
            ClusterView maintenance = new ClusterView(
                    Map.of(), Optional.empty(), 0, Optional.of("first"), true, Optional.empty(), Optional.empty());

            Decision decision = HaRules.decide(maintenance, local(running(Role.PRIMARY, -1), false), observer, NOW);
            Decision creating = HaRules.decide(
                    new ClusterView(
                            Map.of(), Optional.empty(), 0, Optional.empty(), true, Optional.empty(), Optional.empty()),
                    local(unjoined, false),
                    observer,
                    NOW);

            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("maintenance mode");
            assertThat(creating.action()).isInstanceOf(Action.Observe.class);
        }

        @Test
        void memberWithNoLeaseInTheClusterTakesNone() {
            Decision decision = HaRules.decide(
                    view(Optional.empty(), member("me", Role.REPLICA, -1), member("b", Role.REPLICA, -1)),
                    leaderless(running(Role.REPLICA, -1), -1, Duration.ofMinutes(5)),
                    observer,
                    NOW);

            assertThat(decision.action()).isInstanceOf(Action.Observe.class);
            assertThat(decision.reason()).contains("a member");
        }

        @Test
        void downNodeIsNotRestartedOrCloned() {
            Decision stopped = HaRules.decide(
                    view(Optional.empty()),
                    local(EngineStatus.stopped(DataState.EMPTY, Optional.of("connection refused")), false),
                    observer,
                    NOW);

            assertThat(stopped.action()).isInstanceOf(Action.Observe.class);
            assertThat(stopped.reason()).contains("down (connection refused)");
        }

        @Test
        void unreadableZooKeeperChangesNothing() {
            LocalState cutOff = new LocalState(
                    running(Role.PRIMARY, -1),
                    false,
                    false,
                    false,
                    Optional.empty(),
                    -1,
                    Duration.ZERO,
                    false,
                    false,
                    Optional.empty(),
                    false,
                    false,
                    Optional.empty());

            assertThat(HaRules.decide(view(Optional.empty()), cutOff, observer, NOW)
                            .action())
                    .isInstanceOf(Action.Observe.class);
        }

        @Test
        void theSameStateGivesTheSameReasonSoItIsLoggedOnce() {
            LocalState unjoined = local(
                    new EngineStatus(
                            Role.REPLICA,
                            DataState.VALID,
                            -1,
                            0,
                            Optional.empty(),
                            false,
                            List.of(),
                            Optional.of("not joined")),
                    false);

            assertThat(HaRules.decide(view(Optional.empty()), unjoined, observer, NOW)
                            .reason())
                    .isEqualTo(HaRules.decide(view(Optional.empty()), unjoined, observer, NOW + 5000)
                            .reason())
                    .contains("a member (not joined)");
        }
    }

    @Nested
    class GracefulStop {
        static MemberInfo tagged(String name, long position, int priority, boolean healthy, boolean noFailover) {
            return new MemberInfo(
                    name,
                    Role.REPLICA,
                    healthy,
                    endpoint(name),
                    "http://" + name,
                    position,
                    1,
                    Optional.empty(),
                    false,
                    noFailover,
                    priority,
                    "test",
                    NOW,
                    Optional.empty(),
                    Optional.empty(),
                    Map.of(),
                    Optional.empty(),
                    false);
        }

        @Test
        void theBestHealthyPromotableReplicaInTheEnginesOrderTakesOver() {
            ClusterView cluster = view(
                    leaseOf("me"),
                    member("me", Role.PRIMARY, 100),
                    tagged("a", 90, 100, true, false),
                    tagged("b", 80, 200, true, false));
            assertThat(HaRules.successorOnStop(cluster, ME).map(MemberInfo::name))
                    .contains("a");
            Policy chained = new Policy("me", HA, false, 100, true, Optional.of(CHAIN));
            assertThat(HaRules.successorOnStop(cluster, chained).map(MemberInfo::name))
                    .contains("b");
        }

        @Test
        void aMemberShuttingDownIsPassedOverAndWithNoneLeftThereIsNoSuccessor() {
            ClusterView cluster = view(
                    leaseOf("me"),
                    member("me", Role.PRIMARY, 100),
                    stopping(tagged("a", 100, 100, true, false)),
                    tagged("b", 80, 100, true, false));
            assertThat(HaRules.successorOnStop(cluster, ME).map(MemberInfo::name))
                    .contains("b");

            ClusterView allStopping = view(
                    leaseOf("me"),
                    member("me", Role.PRIMARY, 100),
                    stopping(tagged("a", 100, 100, true, false)),
                    stopping(tagged("b", 80, 100, true, false)));
            assertThat(HaRules.successorOnStop(allStopping, ME)).isEmpty();
        }

        @Test
        void nobodyUnfitTakesOver() {
            ClusterView cluster = view(
                    leaseOf("me"),
                    member("me", Role.PRIMARY, 100),
                    tagged("sick", 90, 100, false, false),
                    tagged("never", 90, 100, true, true),
                    tagged("zero", 90, 0, true, false),
                    member("down", Role.STOPPED, 90),
                    member("other", Role.PRIMARY, 90));
            assertThat(HaRules.successorOnStop(cluster, ME)).isEmpty();
        }
    }
}
