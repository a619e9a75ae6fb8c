package io.steward.ha;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.steward.config.HaConfig;
import io.steward.coordination.ClusterView;
import io.steward.coordination.FailsafeMembers;
import io.steward.coordination.HistoryEntry;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.coordination.TransferRequest;
import io.steward.engine.DataState;
import io.steward.engine.Endpoint;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.ReplicaLink;
import io.steward.engine.ReplicationStyle;
import io.steward.engine.ReplicationStyle.CandidateOrder;
import io.steward.engine.ReplicationStyle.Topology;
import io.steward.engine.Role;
import io.steward.guard.Guard;
import io.steward.guard.GuardException;
import io.steward.metrics.AgentMetrics;
import io.steward.testing.FakeClock;
import io.steward.testing.FakeEngine;
import io.steward.testing.InMemoryClusterStore;
import io.steward.testing.InMemoryEnsemble;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The HA loop itself, deterministic: members on an in-memory ensemble, fake engines and one fake clock, each tick
 * called by the test. No thread, server or sleep: time moves only when the test moves it.
 */
class HaLoopTest {
    private static final Duration LOOP_WAIT = Duration.ofSeconds(1);
    private static final Duration SESSION = Duration.ofSeconds(10);
    private static final Duration SERVER_TICK = Duration.ofMillis(500);
    private static final HaConfig HA = new HaConfig(LOOP_WAIT, 1 << 20, Duration.ofSeconds(10), false, false, false);
    private static final HaConfig FAILSAFE =
            new HaConfig(LOOP_WAIT, 1 << 20, Duration.ofSeconds(10), false, false, true);
    /** PostgreSQL's style: a star, the most advanced replica first, a crashed primary restarted in place. */
    private static final ReplicationStyle STAR =
            new ReplicationStyle(Topology.STAR, CandidateOrder.MOST_ADVANCED_FIRST, true);
    /**
     * The first proof of a session lasts until the session timeout after its sync was sent, less one server tick and a
     * third of the timeout ({@link io.steward.coordination.SessionLiveness}), less the fence's allowance.
     */
    private static final Duration FIRST_PROOF =
            SESSION.minus(SERVER_TICK).minus(SESSION.dividedBy(3)).minus(HaConfig.FENCE_ALLOWANCE);

    private final FakeClock clock = new FakeClock();
    private final InMemoryEnsemble ensemble = new InMemoryEnsemble(clock, SESSION, SERVER_TICK);

    /** One member: its connection, its server, its guard, its failsafe calls and its loop. */
    final class Node {
        final String name;
        final InMemoryClusterStore store = ensemble.connect();
        final FakeEngine.ElectedBySteward engine;
        final FakeGuards guards = new FakeGuards();
        final List<FailsafeRules.Call> failsafeCalls = new ArrayList<>();
        List<String> failsafeRefusals = List.of();
        final HaLoop loop;

        Node(String name, HaConfig ha) {
            this(name, ha, true);
        }

        Node(String name, HaConfig ha, boolean stopServerOnExit) {
            this.name = name;
            this.engine = FakeEngine.electedBySteward(endpoint(name), STAR);
            this.loop = new HaLoop(
                    store,
                    engine,
                    new Policy(name, ha, false, 100, true, engine.declared().replicationStyle()),
                    new AgentMetrics(new MetricRegistry()),
                    new HaLoop.MemberIdentity(name, "test", Optional.empty()),
                    new LoopEnvironment(
                            clock,
                            guards,
                            (members, call) -> {
                                failsafeCalls.add(call);
                                return failsafeRefusals;
                            },
                            Runnable::run,
                            Runnable::run),
                    stopServerOnExit);
        }

        Node tick() {
            loop.tick();
            return this;
        }

        String action() {
            return loop.lastDecision().action().getClass().getSimpleName();
        }
    }

    /** Fence guards that run nothing: armed, renewed and closed as the loop asks, or refusing to start. */
    static final class FakeGuards implements LoopEnvironment.FenceGuards {
        boolean failing;
        int armed;
        Optional<FakeGuard> current = Optional.empty();

        @Override
        public Guard arm(List<String> fenceCommand, Duration deadline) {
            if (failing) {
                throw new GuardException("could not start the fence guard: no shell", new IllegalStateException());
            }
            armed++;
            FakeGuard guard = new FakeGuard(deadline);
            current = Optional.of(guard);
            return guard;
        }
    }

    static final class FakeGuard implements Guard {
        Duration deadline;
        boolean closed;

        FakeGuard(Duration deadline) {
            this.deadline = deadline;
        }

        @Override
        public void renew(Duration validFor) {
            deadline = validFor;
        }

        @Override
        public boolean alive() {
            return !closed;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    static Endpoint endpoint(String name) {
        return new Endpoint(name + ".example", 5432);
    }

    Node node(String name) {
        return new Node(name, HA);
    }

    /** A node that created the cluster: primary of epoch 1. */
    Node primary(String name, HaConfig ha) {
        Node primary = new Node(name, ha);
        primary.tick();
        assertThat(primary.engine.current().role()).isEqualTo(Role.PRIMARY);
        return primary;
    }

    /** A node running a replica streaming from {@code upstream} at {@code position}, ticked once. */
    Node replica(String name, String upstream, long position) {
        Node replica = node(name);
        replica.engine.running(Role.REPLICA, position, Optional.of(endpoint(upstream)));
        replica.tick();
        return replica;
    }

    void advance(Duration duration) {
        clock.advance(duration);
    }

    ClusterView cluster() {
        return ensemble.view();
    }

    // ---- the lease -----------------------------------------------------------------------------------------------

    @Nested
    class TheLease {
        @Test
        void theFirstMemberCreatesTheClusterAndHoldsTheLeaseUntilItsProofsDeadline() {
            Node p = node("p");
            long start = clock.nanoTime();
            p.tick();

            assertThat(p.engine.calls()).containsExactly("initializeNewCluster");
            assertThat(cluster().lease()).contains(new Lease("p", 1, p.store.sessionId()));
            assertThat(cluster().initialized()).contains("p");
            assertThat(ensemble.history()).extracting(HistoryEntry::reason).containsExactly("cluster created");
            assertThat(p.loop.provenLeaseEpoch()).hasValue(1);
            assertThat(p.guards.armed)
                    .as("a fence guard before the server takes writes")
                    .isEqualTo(1);

            // nothing proves the lease again: it lasts exactly as long as the write that took it proved the session
            p.store.unreachable(true);
            clock.advance(Duration.ofNanos(start + FIRST_PROOF.toNanos() - 1 - clock.nanoTime()));
            assertThat(p.loop.leaseProven()).isTrue();
            clock.advance(Duration.ofNanos(1));
            assertThat(p.loop.leaseProven()).isFalse();
            assertThat(p.loop.provenLeaseEpoch()).isEmpty();
        }

        @Test
        void everyTicksReadExtendsTheLeaseFromItsSync() {
            Node p = primary("p", HA);
            advance(LOOP_WAIT);
            long sent = clock.nanoTime();
            p.tick();
            p.store.unreachable(true);
            // the sync a tick before is now an anchor: the session lives a full timeout from it
            long deadline = sent - LOOP_WAIT.toNanos() + SESSION.toNanos() - HaConfig.FENCE_ALLOWANCE.toNanos();
            advance(Duration.ofNanos(deadline - 1 - clock.nanoTime()));
            assertThat(p.loop.leaseProven()).isTrue();
            advance(Duration.ofNanos(1));
            assertThat(p.loop.leaseProven()).isFalse();
        }

        @Test
        void theWatchdogFencesAtTheDeadlineEvenWithoutATick() {
            Node p = primary("p", HA);
            p.store.unreachable(true);
            long deadline = clock.nanoTime() + FIRST_PROOF.toNanos();

            advance(Duration.ofNanos(deadline - 1 - clock.nanoTime()));
            p.loop.checkLease();
            assertThat(p.engine.calls()).doesNotContain("fence");
            assertThat(p.guards.current.orElseThrow().deadline)
                    .as("the guard is promised what is left")
                    .isEqualTo(Duration.ofNanos(1));

            advance(Duration.ofNanos(1));
            p.loop.checkLease();
            assertThat(p.engine.calls()).containsSubsequence("initializeNewCluster", "fence");
            assertThat(p.engine.current().role()).isEqualTo(Role.STOPPED);
            assertThat(p.guards.current.orElseThrow().closed)
                    .as("nothing left to guard")
                    .isTrue();
        }

        @Test
        void aLateLoopHasTheWatchdogProveTheLeaseOnItsBehalf() {
            Node p = primary("p", HA);
            long deadline = clock.nanoTime() + FIRST_PROOF.toNanos();
            // the loop is stuck in a long action; ZooKeeper still answers
            advance(Duration.ofNanos(deadline - LOOP_WAIT.toNanos() - clock.nanoTime()));
            p.loop.checkLease();
            advance(LOOP_WAIT);
            p.loop.checkLease();
            assertThat(p.engine.calls()).doesNotContain("fence");
            assertThat(p.loop.leaseProven()).isTrue();
        }

        @Test
        void aPrimaryThatStopsBeingProvenIsFencedByTheTickAndComesBackReadOnly() {
            Node p = primary("p", HA);
            advance(LOOP_WAIT);
            p.tick();
            p.store.unreachable(true);
            // proven by this tick's sync, anchored on the one a tick before
            long deadline =
                    clock.nanoTime() - LOOP_WAIT.toNanos() + SESSION.toNanos() - HaConfig.FENCE_ALLOWANCE.toNanos();
            while (clock.nanoTime() + LOOP_WAIT.toNanos() < deadline) {
                advance(LOOP_WAIT);
                p.tick();
                assertThat(p.action()).as("the lease is still provably ours").isEqualTo("Observe");
            }
            assertThat(p.engine.calls()).doesNotContain("fence");
            advance(LOOP_WAIT);
            p.tick();
            assertThat(p.action()).isEqualTo("Fence");
            assertThat(p.engine.calls()).endsWith("fence");
            assertThat(p.loop.lastDecision().reason()).contains("cannot prove the lease of epoch 1");

            // ZooKeeper cannot name a primary: the server comes back read-only, replicating from nobody
            advance(LOOP_WAIT);
            p.tick();
            assertThat(p.engine.calls()).endsWith("startAsReplica (nobody)");
            assertThat(p.engine.current().role()).isEqualTo(Role.REPLICA);
            assertThat(p.loop.writable()).isFalse();
        }

        @Test
        void anAgentReclaimsItsOwnLeaseLeftByASessionItGaveUpDuringAnOutage() {
            Node p = primary("p", HA);
            long firstSession = p.store.sessionId();
            ensemble.down(true);
            for (int i = 0; i < 15; i++) {
                advance(LOOP_WAIT);
                p.tick();
            }
            assertThat(p.engine.calls()).contains("fence", "startAsReplica (nobody)");
            // the client gave its session up; the servers kept it, and the lease with it
            p.store.abandonSession();
            ensemble.down(false);
            assertThat(cluster().lease().map(Lease::sessionId)).contains(firstSession);

            advance(LOOP_WAIT);
            p.tick();
            assertThat(p.action()).isEqualTo("ReclaimLease");
            assertThat(cluster().lease()).contains(new Lease("p", 2, p.store.sessionId()));
            assertThat(ensemble.history())
                    .last()
                    .extracting(HistoryEntry::reason)
                    .isEqualTo("lease reclaimed from this agent's earlier ZooKeeper session");

            advance(LOOP_WAIT);
            p.tick();
            assertThat(p.action()).isEqualTo("Promote");
            assertThat(p.engine.current().role()).isEqualTo(Role.PRIMARY);
            assertThat(p.loop.provenLeaseEpoch()).hasValue(2);
        }

        @Test
        void anotherProcessUnderTheSameNameNeverTakesTheLease() {
            Node p = primary("p", HA);
            Node namesake = replica("p", "p", 0);
            advance(LOOP_WAIT);
            namesake.tick();
            assertThat(namesake.action()).isEqualTo("Observe");
            assertThat(namesake.loop.lastDecision().reason()).contains("waiting for ZooKeeper to remove it");
            assertThat(cluster().lease()).contains(new Lease("p", 1, p.store.sessionId()));
        }
    }

    // ---- stopping the agent ----------------------------------------------------------------------------------------

    @Nested
    class Stopping {
        /** {@code name}'s entry, republished by a test-played agent that has started shutting down. */
        void startsStopping(String name) {
            ensemble.putMember(HaRulesTest.stopping(cluster().member(name).orElseThrow()));
        }

        @Test
        void aStoppingPrimaryHandsOverToItsCatchingUpReplicaAndSaysItIsStoppingMeanwhile() {
            Node p = primary("p", HA);
            p.engine.running(Role.PRIMARY, 500, Optional.empty());
            Node a = replica("a", "p", 400);
            advance(LOOP_WAIT);
            p.tick();
            List<Boolean> primaryStopping = new ArrayList<>();
            clock.onSleep(() -> {
                primaryStopping.add(cluster().member("p").orElseThrow().stopping());
                a.engine.running(Role.REPLICA, 500, Optional.of(endpoint("p")));
                a.tick();
            });

            p.loop.close();

            assertThat(primaryStopping).isNotEmpty().containsOnly(true);
            assertThat(p.engine.calls()).endsWith("stop").doesNotContain("startAsPrimary");
            assertThat(cluster().lease()).isEmpty();
            assertThat(cluster().member("p")).as("withdrawn").isEmpty();
            advance(LOOP_WAIT);
            a.tick();
            assertThat(a.action()).isEqualTo("TakeOver");
        }

        @Test
        void aPrimaryWhoseReplicasAreAllStoppingReleasesTheLeaseAtOnce() {
            Node p = primary("p", HA);
            p.engine.running(Role.PRIMARY, 500, Optional.empty());
            replica("a", "p", 500);
            advance(LOOP_WAIT);
            p.tick();
            startsStopping("a");
            List<Long> sleeps = new ArrayList<>();
            clock.onSleep(() -> sleeps.add(clock.nanoTime()));

            p.loop.close();

            assertThat(sleeps).as("no wait for a member that is stopping").isEmpty();
            assertThat(p.engine.calls()).endsWith("stop").doesNotContain("startAsPrimary");
            assertThat(cluster().lease()).isEmpty();
            assertThat(cluster().transfer()).isEmpty();
        }

        @Test
        void aSuccessorThatStartsStoppingDuringTheCatchUpEndsTheWaitAndTheLeaseIsReleased() {
            Node p = primary("p", HA);
            p.engine.running(Role.PRIMARY, 500, Optional.empty());
            replica("a", "p", 400);
            advance(LOOP_WAIT);
            p.tick();
            List<Long> sleeps = new ArrayList<>();
            clock.onSleep(() -> {
                sleeps.add(clock.nanoTime());
                if (sleeps.size() == 3) {
                    startsStopping("a");
                }
            });

            p.loop.close();

            assertThat(sleeps)
                    .as("the wait ends as soon as a says it is stopping")
                    .hasSize(3);
            assertThat(p.engine.calls()).endsWith("stop").doesNotContain("startAsPrimary");
            assertThat(p.engine.current().role()).isEqualTo(Role.STOPPED);
            assertThat(cluster().lease()).isEmpty();
            assertThat(cluster().transfer()).as("nobody waits for a").isEmpty();
        }

        @Test
        void aReplicaStopsItsServerWithItsAgentUnlessToldToLeaveItRunning() {
            primary("p", HA);
            Node a = replica("a", "p", 100);
            Node b = new Node("b", HA, false);
            b.engine.running(Role.REPLICA, 100, Optional.of(endpoint("p")));
            b.tick();

            a.loop.close();
            b.loop.close();

            assertThat(a.engine.calls()).endsWith("stop");
            assertThat(a.engine.current().role()).isEqualTo(Role.STOPPED);
            assertThat(b.engine.calls()).doesNotContain("stop");
            assertThat(b.engine.current().role()).isEqualTo(Role.REPLICA);
            assertThat(cluster().members().keySet()).containsOnly("p");
            assertThat(cluster().lease().map(Lease::holder)).contains("p");
        }
    }

    // ---- changes of primary --------------------------------------------------------------------------------------

    @Nested
    class ChangesOfPrimary {
        @Test
        void aSwitchoverWaitsForTheCandidateToCatchUpThenHandsOver() {
            Node p = primary("p", HA);
            p.engine.running(Role.PRIMARY, 500, Optional.empty());
            Node a = replica("a", "p", 400);
            advance(LOOP_WAIT);
            p.tick();
            a.tick();
            assertThat(p.store.requestTransfer(new TransferRequest(
                            TransferRequest.Kind.SWITCHOVER, "p", Optional.of("a"), clock.currentTimeMillis())))
                    .isTrue();

            List<Optional<String>> holdersWhileWaiting = new ArrayList<>();
            clock.onSleep(() -> {
                holdersWhileWaiting.add(cluster().lease().map(Lease::holder));
                if (holdersWhileWaiting.size() == 3) {
                    // the candidate receives the rest of what the primary wrote, and says so
                    a.engine.running(Role.REPLICA, 500, Optional.of(endpoint("p")));
                    a.tick();
                }
            });
            advance(LOOP_WAIT);
            p.tick();

            assertThat(p.action()).isEqualTo("HandOver");
            assertThat(p.engine.calls()).endsWith("stop");
            assertThat(holdersWhileWaiting)
                    .as("the lease stays the primary's until the candidate has everything")
                    .hasSize(3)
                    .containsOnly(Optional.of("p"));
            assertThat(cluster().lease()).isEmpty();

            advance(LOOP_WAIT);
            a.tick();
            assertThat(a.action()).isEqualTo("TakeOver");
            assertThat(a.engine.calls()).endsWith("promote");
            assertThat(cluster().lease().map(Lease::epoch)).contains(2L);
            assertThat(cluster().transfer()).isEmpty();
            assertThat(ensemble.history())
                    .last()
                    .isEqualTo(
                            new HistoryEntry(2, "a", Optional.of("p"), "switchover", 500, clock.currentTimeMillis()));

            advance(LOOP_WAIT);
            p.tick();
            assertThat(p.engine.calls()).endsWith("startAsReplica a");
        }

        @Test
        void aCandidateThatDoesNotCatchUpLeavesThePrimaryInPlace() {
            Node p = primary("p", HA);
            p.engine.running(Role.PRIMARY, 500, Optional.empty());
            Node a = replica("a", "p", 400);
            advance(LOOP_WAIT);
            p.tick();
            p.store.requestTransfer(new TransferRequest(
                    TransferRequest.Kind.SWITCHOVER, "p", Optional.of("a"), clock.currentTimeMillis()));
            advance(LOOP_WAIT);
            p.tick();

            assertThat(p.engine.calls()).containsSubsequence("stop", "startAsPrimary");
            assertThat(cluster().lease().map(Lease::holder)).contains("p");
            assertThat(cluster().transfer()).as("cancelled").isEmpty();
            assertThat(a.engine.calls()).doesNotContain("promote");
        }

        @Test
        void aReplicaPromotesOnlyOnceThePrimarysSessionHasExpiredAndTheOthersPositionsAreFresh() {
            Node p = primary("p", HA);
            p.engine.running(Role.PRIMARY, 100, Optional.empty());
            Node a = replica("a", "p", 100);
            Node b = replica("b", "p", 90);
            advance(LOOP_WAIT);
            p.tick();
            // p's agent and server die together: nothing touches its session any more
            long lastHeard = clock.nanoTime();
            long expiry = lastHeard + SESSION.toNanos();
            while (clock.nanoTime() + LOOP_WAIT.toNanos() <= expiry) {
                advance(LOOP_WAIT);
                a.tick();
                b.tick();
                assertThat(cluster().lease().map(Lease::holder)).contains("p");
                assertThat(a.engine.calls()).doesNotContain("promote");
                assertThat(b.engine.calls()).doesNotContain("promote");
            }

            advance(LOOP_WAIT);
            a.tick();
            assertThat(cluster().lease())
                    .as("the session expired, and the lease with it")
                    .isEmpty();
            assertThat(a.loop.lastDecision().reason()).contains("waiting for fresh positions from b");
            b.tick();
            assertThat(b.loop.lastDecision().reason()).contains("a is a better candidate");

            advance(LOOP_WAIT);
            a.tick();
            assertThat(a.action()).isEqualTo("TakeOver");
            assertThat(a.engine.calls()).endsWith("promote");
            assertThat(cluster().lease()).contains(new Lease("a", 2, a.store.sessionId()));
            assertThat(ensemble.history())
                    .last()
                    .extracting(
                            HistoryEntry::epoch, HistoryEntry::primary, HistoryEntry::previous, HistoryEntry::reason)
                    .containsExactly(2L, "a", Optional.of("p"), "failover");
            assertThat(b.engine.calls()).doesNotContain("promote");

            b.tick();
            assertThat(b.engine.calls()).endsWith("follow a");
        }

        @Test
        void theLeaseHolderRestartsItsCrashedServerInPlaceUntilItsStartTimeout() {
            Node p = primary("p", HA);
            p.engine.set(EngineStatus.stopped(DataState.VALID, Optional.of("crashed")));
            p.engine.failing("startAsPrimary", () -> new EngineException("will not start"));
            for (int i = 0; i <= 10; i++) {
                advance(LOOP_WAIT);
                p.tick();
                assertThat(p.action()).isEqualTo("RestartAsPrimary");
            }
            advance(LOOP_WAIT);
            p.tick();
            assertThat(p.action())
                    .as("down for longer than primary_start_timeout")
                    .isEqualTo("ReleaseLease");
            assertThat(cluster().lease()).isEmpty();
        }
    }

    // ---- an operator's restart ----------------------------------------------------------------------------------

    @Nested
    class Restarts {
        final RestartRequest now = new RestartRequest(Optional.empty(), false, Optional.empty(), Instant.EPOCH);

        @Test
        void thePrimaryRestartsInPlaceKeepingTheLeaseAndNoReplicaTakesOverHoweverLongItTakes() {
            HaConfig quickTimeout = new HaConfig(LOOP_WAIT, 1 << 20, Duration.ofSeconds(2), false, false, false);
            Node p = primary("p", quickTimeout);
            Node a = replica("a", "p", 0);
            // down on purpose for longer than primary_start_timeout (within the session timeout), within one tick
            p.engine.duringRestart(() -> advance(Duration.ofSeconds(4)));
            CompletableFuture<String> outcome = p.loop.restarts().request(now).orElseThrow();

            advance(LOOP_WAIT);
            p.tick();
            assertThat(p.action()).isEqualTo("Restart");
            assertThat(p.engine.calls()).endsWith("restart");
            assertThat(outcome).isCompletedWithValue("restarted");
            assertThat(cluster().lease().map(Lease::holder)).contains("p");

            a.tick();
            assertThat(a.action()).isNotIn("TakeOver", "Promote");
            advance(LOOP_WAIT);
            p.tick();
            assertThat(p.action()).as("the time-down clock never started").isEqualTo("Lead");
            assertThat(cluster().epoch()).isEqualTo(1);
        }

        @Test
        void aRestartThatFailsFallsBackToRestartingTheCrashedPrimaryWithinItsTimeout() {
            Node p = primary("p", HA);
            p.engine.failing("restart", () -> {
                p.engine.set(EngineStatus.stopped(DataState.VALID, Optional.of("did not come back")));
                return new EngineException("pg_ctl start failed");
            });
            CompletableFuture<String> outcome = p.loop.restarts().request(now).orElseThrow();

            advance(LOOP_WAIT);
            p.tick();
            assertThat(outcome).isCompletedExceptionally();
            assertThat(p.loop.failingAction())
                    .hasValueSatisfying(f -> assertThat(f.action()).isEqualTo("Restart"));
            advance(LOOP_WAIT);
            p.tick();
            assertThat(p.action()).isEqualTo("RestartAsPrimary");
        }

        @Test
        void aReplicaRestartsOnlyIfASettingWaitsForIt() {
            Node p = primary("p", HA);
            Node a = replica("a", "p", 0);
            RestartRequest ifPending = new RestartRequest(Optional.empty(), true, Optional.empty(), Instant.EPOCH);
            CompletableFuture<String> nothing =
                    a.loop.restarts().request(ifPending).orElseThrow();
            advance(LOOP_WAIT);
            a.tick();
            assertThat(nothing).isCompletedWithValue("not restarted: no setting waits for a restart");
            assertThat(a.engine.calls()).doesNotContain("restart");

            a.engine.pendingRestart(List.of("shared_buffers"));
            CompletableFuture<String> pending =
                    a.loop.restarts().request(ifPending).orElseThrow();
            advance(LOOP_WAIT);
            a.tick();
            assertThat(a.action()).isEqualTo("Restart");
            assertThat(pending).isCompletedWithValue("restarted");
            assertThat(a.engine.current().role()).isEqualTo(Role.REPLICA);
            p.tick();
        }
    }

    // ---- failures ------------------------------------------------------------------------------------------------

    @Nested
    class Failures {
        @Test
        void aFailingActionIsReportedWithItsReasonUntilItWorks() {
            Node p = primary("p", HA);
            Node a = node("a");
            a.engine.running(Role.REPLICA, 50, Optional.of(endpoint("nobody")));
            a.engine.failing("follow", () -> new EngineException("primary unreachable"));
            advance(LOOP_WAIT);
            a.tick();
            assertThat(a.action()).isEqualTo("Follow");
            FailingAction first = a.loop.failingAction().orElseThrow();
            assertThat(first).isEqualTo(new FailingAction("Follow", "primary unreachable", clock.now()));

            advance(LOOP_WAIT);
            a.engine.failing("follow", () -> new EngineException("still unreachable"));
            a.tick();
            assertThat(a.loop.failingAction())
                    .as("the same run of failures: since stays, the reason is the latest")
                    .contains(new FailingAction("Follow", "still unreachable", first.since()));

            a.engine.healed("follow");
            advance(LOOP_WAIT);
            a.tick();
            assertThat(a.loop.failingAction()).isEmpty();
            assertThat(a.engine.current().upstream()).contains(endpoint("p").toString());
            assertThat(p.engine.calls()).doesNotContain("fence");
        }

        @Test
        void aLeaderWhoseFenceGuardCannotStartGivesTheLeaseUpAndStandsAside() {
            Node p = primary("p", HA);
            p.engine.running(Role.PRIMARY, 100, Optional.empty());
            Node a = replica("a", "p", 100);
            Node b = replica("b", "p", 90);
            a.guards.failing = true;
            ensemble.expireSessionOf("p");
            for (int i = 0; i < 2; i++) {
                advance(LOOP_WAIT);
                a.tick();
                b.tick();
            }

            assertThat(a.loop.failingAction()).map(FailingAction::action).contains("TakeOver");
            assertThat(a.loop.failingAction().orElseThrow().reason())
                    .contains("could not start the fence guard")
                    .contains("gave up the lease");
            assertThat(a.engine.current().role())
                    .as("never primary without its guard")
                    .isNotEqualTo(Role.PRIMARY);
            MemberInfo published = cluster().member("a").orElseThrow();
            assertThat(published.standingAside())
                    .hasValueSatisfying(why -> assertThat(why).contains("fence guard"));
            assertThat(cluster().lease().map(Lease::holder))
                    .as("the next best took over")
                    .contains("b");
            assertThat(b.engine.current().role()).isEqualTo(Role.PRIMARY);

            // a minute later it may lead again
            a.guards.failing = false;
            for (int i = 0; i < 60; i++) {
                advance(LOOP_WAIT);
                a.tick();
                b.tick();
                assertThat(cluster().member("a").orElseThrow().standingAside().isPresent())
                        .isEqualTo(i < 59);
            }
            assertThat(a.engine.current().upstream())
                    .as("it follows the new primary meanwhile")
                    .contains(endpoint("b").toString());
        }
    }

    // ---- failsafe mode -------------------------------------------------------------------------------------------

    @Nested
    class Failsafe {
        @Test
        void aPrimaryEveryMemberConfirmsGoesOnTakingWritesWithoutZooKeeper() {
            Node p = primary("p", FAILSAFE);
            Node a = new Node("a", FAILSAFE);
            a.engine.running(Role.REPLICA, 0, Optional.of(endpoint("p")));
            a.tick();
            advance(LOOP_WAIT);
            p.tick();
            assertThat(cluster().failsafe()).contains(new FailsafeMembers("p", 1, Map.of("a", "")));
            advance(LOOP_WAIT);
            p.tick();

            ensemble.down(true);
            long deadline =
                    clock.nanoTime() + SESSION.toNanos() - LOOP_WAIT.toNanos() - HaConfig.FENCE_ALLOWANCE.toNanos();
            advance(LOOP_WAIT.multipliedBy(2));
            p.loop.checkLease();
            assertThat(p.failsafeCalls)
                    .as("the proof is overdue: the members are asked")
                    .containsExactly(new FailsafeRules.Call("p", 1, SESSION.toMillis()));

            advance(Duration.ofNanos(deadline - clock.nanoTime()));
            p.tick();
            p.loop.checkLease();
            assertThat(p.loop.leaseProven()).isFalse();
            assertThat(p.loop.failsafeActive()).isTrue();
            assertThat(p.loop.writable()).isTrue();
            assertThat(p.engine.calls()).doesNotContain("fence");
            assertThat(p.loop.lastDecision().reason()).contains("failsafe mode: every member confirmed");
        }

        @Test
        void aPrimaryNotEveryMemberConfirmsIsFencedAtItsLeasesDeadline() {
            Node p = primary("p", FAILSAFE);
            Node a = new Node("a", FAILSAFE);
            a.engine.running(Role.REPLICA, 0, Optional.of(endpoint("p")));
            a.tick();
            advance(LOOP_WAIT);
            p.tick();
            advance(LOOP_WAIT);
            p.tick();
            p.failsafeRefusals = List.of("a: this member reaches ZooKeeper");

            ensemble.down(true);
            long deadline =
                    clock.nanoTime() + SESSION.toNanos() - LOOP_WAIT.toNanos() - HaConfig.FENCE_ALLOWANCE.toNanos();
            advance(LOOP_WAIT.multipliedBy(2));
            p.loop.checkLease();
            assertThat(p.failsafeCalls).hasSize(1);
            advance(Duration.ofNanos(deadline - clock.nanoTime()));
            p.loop.checkLease();
            assertThat(p.engine.calls()).endsWith("fence");
            assertThat(p.loop.writable()).isFalse();
        }

        @Test
        void aMemberConfirmsOnlyWhenItCannotReachZooKeeperEitherAndThenStandsAside() {
            Node p = primary("p", FAILSAFE);
            Node a = new Node("a", FAILSAFE);
            a.engine.running(Role.REPLICA, 0, Optional.of(endpoint("p")));
            a.tick();
            FailsafeRules.Call call = new FailsafeRules.Call("p", 1, SESSION.toMillis());

            assertThat(a.loop.answerFailsafe(call)).isInstanceOf(FailsafeRules.Answer.Refused.class);
            a.store.unreachable(true);
            assertThat(a.loop.answerFailsafe(call)).isInstanceOf(FailsafeRules.Answer.Confirmed.class);
            assertThat(a.loop.failsafeState())
                    .hasValueSatisfying(state -> assertThat(state).contains("confirmed p's failsafe call for epoch 1"));

            // ZooKeeper comes back without p: the promise holds until it runs out
            a.store.unreachable(false);
            ensemble.expireSessionOf("p");
            advance(LOOP_WAIT);
            a.tick();
            assertThat(a.engine.calls()).doesNotContain("promote");
            assertThat(a.loop.lastDecision().reason()).contains("standing aside");
            advance(SESSION);
            a.tick();
            assertThat(a.engine.calls()).contains("promote");
            assertThat(p.engine.calls()).doesNotContain("fence");
        }
    }

    // ---- the primary's duties ------------------------------------------------------------------------------------

    @Nested
    class Duties {
        @Test
        void thePrimaryKeepsOneSlotPerMember() {
            Node p = primary("p", HA);
            replica("a", "p", 0);
            replica("b", "p", 0);
            advance(LOOP_WAIT);
            p.tick();
            assertThat(p.engine.slots()).containsExactlyInAnyOrder("a", "b");
        }

        @Test
        void aSynchronousStandbyIsRecordedOnlyOnceItHasCaughtUp() {
            HaConfig sync = new HaConfig(LOOP_WAIT, 1 << 20, Duration.ofSeconds(10), true, false, false);
            Node p = primary("p", sync);
            p.engine.running(Role.PRIMARY, 700, Optional.empty());
            Node a = new Node("a", sync);
            a.engine.running(Role.REPLICA, 600, Optional.of(endpoint("p")));
            a.tick();

            advance(LOOP_WAIT);
            p.tick();
            assertThat(p.engine.synchronousStandbys())
                    .as("asked to wait for it")
                    .containsExactly("a");
            assertThat(cluster().sync().flatMap(s -> s.standby()))
                    .as("not recorded yet")
                    .isEmpty();

            advance(LOOP_WAIT);
            p.engine.replicas(List.of(new ReplicaLink("a", 699, true)));
            p.tick();
            assertThat(cluster().sync().flatMap(s -> s.standby())).isEmpty();

            advance(LOOP_WAIT);
            p.engine.replicas(List.of(new ReplicaLink("a", 700, true)));
            p.tick();
            assertThat(cluster().sync().flatMap(s -> s.standby())).contains("a");
        }

        @Test
        void anElectedPrimaryRecordsItsTermAndAddsTheMembersTheDatabaseLacks() {
            FakeEngine.ElectingItsOwnPrimary engine = FakeEngine.electingItsOwnPrimary(endpoint("m1"));
            InMemoryClusterStore store = ensemble.connect();
            HaLoop loop = new HaLoop(
                    store,
                    engine,
                    new Policy("m1", HA, false, 100, true, engine.declared().replicationStyle()),
                    new AgentMetrics(new MetricRegistry()),
                    new HaLoop.MemberIdentity("m1", "test", Optional.empty()),
                    new LoopEnvironment(
                            clock, new FakeGuards(), (members, call) -> List.of(), Runnable::run, Runnable::run),
                    true);
            engine.set(new EngineStatus(
                    Role.PRIMARY, DataState.VALID, 10, 4, Optional.empty(), false, List.of(), Optional.empty()));
            engine.electedTerm(OptionalLong.of(4));
            ensemble.putMember(HaRulesTest.member("m2", Role.REPLICA, 10));
            loop.tick();
            assertThat(engine.members())
                    .as("its own entry is published in this first tick")
                    .extracting(m -> m.name())
                    .containsExactly("m2");
            assertThat(loop.provenLeaseEpoch()).hasValue(4);
            ensemble.putMember(HaRulesTest.member("m3", Role.REPLICA, 10));
            advance(LOOP_WAIT);
            loop.tick();
            assertThat(engine.members()).extracting(m -> m.name()).containsExactly("m1", "m2", "m3");

            // a later primary was elected elsewhere: this one has not noticed, and leaves the member list alone
            store.raisePrimaryTerm("m2", 5);
            ensemble.putMember(HaRulesTest.member("m4", Role.REPLICA, 10));
            advance(LOOP_WAIT);
            loop.tick();
            assertThat(engine.members()).extracting(m -> m.name()).containsExactly("m1", "m2", "m3");
            assertThat(loop.provenLeaseEpoch()).isEmpty();
            assertThat(engine.calls()).noneMatch(call -> call.startsWith("promote") || call.startsWith("fence"));
        }
    }
}
