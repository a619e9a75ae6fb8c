package io.steward.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.engine.Role;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RestartRulesTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final Decision LEAD = new Decision(new Action.Lead(), "primary holding the lease of epoch 3");
    private static final Decision OBSERVE = new Decision(new Action.Observe(), "streaming from pg1");
    private static final RestartRequest AT_ONCE =
            new RestartRequest(Optional.empty(), false, Optional.empty(), Instant.ofEpochMilli(NOW));

    private static RestartRules.Situation primary() {
        return new RestartRules.Situation(Role.PRIMARY, true, true, true, Optional.empty());
    }

    private static RestartRules.Situation replica() {
        return new RestartRules.Situation(Role.REPLICA, true, false, true, Optional.empty());
    }

    private static RestartRules.Situation withPending(RestartRules.Situation s, List<String> pending) {
        return new RestartRules.Situation(
                s.role(), s.coordinationReadable(), s.provablyPrimary(), s.primaryKnown(), Optional.of(pending));
    }

    @Test
    void aPrimaryThatProvablyHoldsItsLeaseRestartsInPlaceKeepingIt() {
        RestartRules.Verdict verdict = RestartRules.decide(AT_ONCE, LEAD, primary(), NOW);

        assertThat(verdict).isInstanceOf(RestartRules.Verdict.Restart.class);
        assertThat(((RestartRules.Verdict.Restart) verdict).reason())
                .contains("restarting the primary in place, keeping the lease")
                .contains("writes stop until it is back");
    }

    @Test
    void aStreamingReplicaRestarts() {
        assertThat(RestartRules.decide(AT_ONCE, OBSERVE, replica(), NOW))
                .isEqualTo(new RestartRules.Verdict.Restart("restarting the replica in place (" + AT_ONCE + ")"));
    }

    @Test
    void aScheduledRestartWaitsForItsTime() {
        RestartRequest later =
                new RestartRequest(Optional.of(Instant.ofEpochMilli(NOW + 1)), false, Optional.empty(), Instant.EPOCH);

        assertThat(RestartRules.decide(later, LEAD, primary(), NOW)).isInstanceOf(RestartRules.Verdict.Wait.class);
        assertThat(RestartRules.decide(later, LEAD, primary(), NOW + 1))
                .isInstanceOf(RestartRules.Verdict.Restart.class);
        assertThat(RestartRules.needsPendingSettings(later, NOW)).isFalse();
    }

    @Test
    void itWaitsWhileTheLoopHasSomethingMorePressingOrCannotBeSafe() {
        Decision follow = new Decision(new Action.Follow(null), "not streaming");
        assertThat(RestartRules.decide(AT_ONCE, follow, replica(), NOW)).isInstanceOf(RestartRules.Verdict.Wait.class);

        RestartRules.Situation unreadable =
                new RestartRules.Situation(Role.PRIMARY, false, true, true, Optional.empty());
        assertThat(RestartRules.decide(AT_ONCE, LEAD, unreadable, NOW))
                .isEqualTo(new RestartRules.Verdict.Wait("ZooKeeper unreachable"));

        RestartRules.Situation unproven = new RestartRules.Situation(Role.PRIMARY, true, false, true, Optional.empty());
        assertThat(RestartRules.decide(AT_ONCE, LEAD, unproven, NOW))
                .isEqualTo(new RestartRules.Verdict.Wait("the primary cannot prove its lease now"));

        RestartRules.Situation leaderless =
                new RestartRules.Situation(Role.REPLICA, true, false, false, Optional.empty());
        assertThat(RestartRules.decide(AT_ONCE, OBSERVE, leaderless, NOW))
                .isEqualTo(new RestartRules.Verdict.Wait("the cluster has no primary now"));

        RestartRules.Situation stopped = new RestartRules.Situation(Role.STOPPED, true, false, true, Optional.empty());
        assertThat(RestartRules.decide(AT_ONCE, OBSERVE, stopped, NOW))
                .isEqualTo(new RestartRules.Verdict.Wait("the server is not running"));
    }

    @Test
    void aRestartForAnotherRoleIsDropped() {
        RestartRequest replicasOnly =
                new RestartRequest(Optional.empty(), false, Optional.of(Role.REPLICA), Instant.EPOCH);

        assertThat(RestartRules.decide(replicasOnly, LEAD, primary(), NOW))
                .isEqualTo(new RestartRules.Verdict.Drop(
                        "the server is now a primary, and the restart was asked for a replica only"));
        assertThat(RestartRules.decide(replicasOnly, OBSERVE, replica(), NOW))
                .isInstanceOf(RestartRules.Verdict.Restart.class);
    }

    @Test
    void onlyIfPendingRestartsOnlyWhenASettingWaitsForIt() {
        RestartRequest ifPending = new RestartRequest(Optional.empty(), true, Optional.empty(), Instant.EPOCH);
        assertThat(RestartRules.needsPendingSettings(ifPending, NOW)).isTrue();

        assertThat(RestartRules.decide(ifPending, OBSERVE, withPending(replica(), List.of()), NOW))
                .isEqualTo(new RestartRules.Verdict.Drop("no setting waits for a restart"));
        RestartRules.Verdict verdict = RestartRules.decide(
                ifPending, OBSERVE, withPending(replica(), List.of("max_connections", "shared_buffers")), NOW);
        assertThat(verdict).isInstanceOf(RestartRules.Verdict.Restart.class);
        assertThat(((RestartRules.Verdict.Restart) verdict).reason())
                .contains("waiting for it: max_connections, shared_buffers");
    }
}
