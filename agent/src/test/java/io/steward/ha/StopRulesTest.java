package io.steward.ha;

import static io.steward.ha.HaRulesTest.leaseOf;
import static io.steward.ha.HaRulesTest.member;
import static io.steward.ha.HaRulesTest.running;
import static io.steward.ha.HaRulesTest.stopping;
import static io.steward.ha.HaRulesTest.streamingFrom;
import static io.steward.ha.HaRulesTest.view;
import static org.assertj.core.api.Assertions.assertThat;

import io.steward.config.HaConfig;
import io.steward.coordination.ClusterView;
import io.steward.coordination.MemberInfo;
import io.steward.engine.DataState;
import io.steward.engine.EngineStatus;
import io.steward.engine.ReplicationStyle;
import io.steward.engine.ReplicationStyle.CandidateOrder;
import io.steward.engine.ReplicationStyle.Topology;
import io.steward.engine.Role;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StopRulesTest {
    private static final Policy ME = new Policy(
            "me",
            new HaConfig(Duration.ofSeconds(1), 1 << 20, Duration.ofSeconds(10), false, false, false),
            false,
            100,
            true,
            Optional.of(new ReplicationStyle(Topology.STAR, CandidateOrder.MOST_ADVANCED_FIRST, true)));

    private static final ClusterView WITH_SUCCESSOR = view(
            leaseOf("me"),
            member("me", Role.PRIMARY, 100),
            streamingFrom("a", "me", 90),
            stopping(streamingFrom("b", "me", 100)));
    private static final ClusterView EVERYONE_STOPPING = view(
            leaseOf("me"),
            member("me", Role.PRIMARY, 100),
            stopping(streamingFrom("a", "me", 90)),
            stopping(streamingFrom("b", "me", 100)));

    static EngineStatus server(Role role) {
        return role == Role.STOPPED ? EngineStatus.stopped(DataState.VALID, Optional.empty()) : running(role, 100);
    }

    @Test
    void aPrimaryHandsOverToTheBestReplicaThatIsNotStoppingToo() {
        StopRules.Step step = StopRules.onStop(WITH_SUCCESSOR, server(Role.PRIMARY), true, ME, true);
        assertThat(step.handOverTo().map(MemberInfo::name)).contains("a");
        assertThat(step.releaseLease()).isFalse();
        assertThat(step.stopServer()).isTrue();
        assertThat(step.reason()).contains("handing over to a").contains("epoch 7");
    }

    @Test
    void aPrimaryWithNoLiveCandidateStopsAndReleasesTheLeaseAtOnce() {
        StopRules.Step step = StopRules.onStop(EVERYONE_STOPPING, server(Role.PRIMARY), true, ME, true);
        assertThat(step.handOverTo()).isEmpty();
        assertThat(step.releaseLease()).isTrue();
        assertThat(step.stopServer()).isTrue();
        assertThat(step.reason()).contains("releasing the lease at once").contains("epoch 7");
    }

    @Test
    void aPrimarysServerStopsEvenWhenTheServerIsToBeLeftRunning() {
        assertThat(StopRules.onStop(WITH_SUCCESSOR, server(Role.PRIMARY), true, ME, false)
                        .stopServer())
                .isTrue();
        StopRules.Step unleased = StopRules.onStop(WITH_SUCCESSOR, server(Role.PRIMARY), false, ME, false);
        assertThat(unleased.stopServer()).isTrue();
        assertThat(unleased.releaseLease()).isFalse();
        assertThat(unleased.reason()).contains("no fence guard watches it");
    }

    @Test
    void aReplicasServerStopsUnlessItIsToBeLeftRunning() {
        StopRules.Step stopped = StopRules.onStop(WITH_SUCCESSOR, server(Role.REPLICA), false, ME, true);
        assertThat(stopped.stopServer()).isTrue();
        assertThat(stopped.handOverTo()).isEmpty();
        assertThat(stopped.releaseLease()).isFalse();
        assertThat(stopped.reason()).isEqualTo("stopping the server (replica)");

        StopRules.Step left = StopRules.onStop(WITH_SUCCESSOR, server(Role.REPLICA), false, ME, false);
        assertThat(left.stopServer()).isFalse();
        assertThat(left.reason()).contains("node.stop_server_on_exit is false");
    }

    @Test
    void aLeaseHolderWithoutARunningPrimaryReleasesTheLease() {
        for (Role role : List.of(Role.REPLICA, Role.STOPPED)) {
            StopRules.Step step = StopRules.onStop(WITH_SUCCESSOR, server(role), true, ME, true);
            assertThat(step.handOverTo()).isEmpty();
            assertThat(step.releaseLease()).isTrue();
            assertThat(step.reason()).contains("releasing it");
        }
    }

    /** Every combination: the rules' promises, whatever the case. */
    @Test
    void everyCaseKeepsTheStopPromises() {
        for (ClusterView cluster : List.of(WITH_SUCCESSOR, EVERYONE_STOPPING)) {
            for (Role role : Role.values()) {
                for (boolean holdsLease : List.of(true, false)) {
                    for (boolean stopServerOnExit : List.of(true, false)) {
                        StopRules.Step step = StopRules.onStop(cluster, server(role), holdsLease, ME, stopServerOnExit);
                        String why = role + ", lease " + holdsLease + ", stop_server_on_exit " + stopServerOnExit + ": "
                                + step;
                        assertThat(step.handOverTo().isPresent() && step.releaseLease())
                                .as(why)
                                .isFalse();
                        assertThat(step.handOverTo().isPresent() || step.releaseLease())
                                .as("the lease is always given up: " + why)
                                .isEqualTo(holdsLease);
                        assertThat(step.handOverTo().filter(MemberInfo::stopping))
                                .as(why)
                                .isEmpty();
                        assertThat(step.stopServer())
                                .as("a primary always stops, another as configured: " + why)
                                .isEqualTo(role == Role.PRIMARY || stopServerOnExit);
                        if (holdsLease || role == Role.PRIMARY) {
                            assertThat(step.reason())
                                    .as("the epoch is named where the lease is concerned: " + why)
                                    .contains("epoch 7");
                        }
                    }
                }
            }
        }
    }

    @Test
    void aHandoverStopsWaitingForACandidateThatLeavesOrIsShuttingDown() {
        MemberInfo a = streamingFrom("a", "me", 90);
        assertThat(StopRules.candidateGone("a", Optional.of(a))).isEmpty();
        assertThat(StopRules.candidateGone("a", Optional.of(stopping(a)))).contains("a is shutting down");
        assertThat(StopRules.candidateGone("a", Optional.empty())).contains("a left the cluster");
    }
}
