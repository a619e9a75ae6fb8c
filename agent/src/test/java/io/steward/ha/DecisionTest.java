package io.steward.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.coordination.MemberInfo;
import io.steward.engine.Role;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DecisionTest {
    private static final MemberInfo LEADER = HaRulesTest.member("a", Role.PRIMARY, 1);

    @Test
    void observingLeadingAndWaitingChangeNothing() {
        assertThat(new Decision(new Action.Observe(), "x").acts()).isFalse();
        assertThat(new Decision(new Action.Lead(), "x").acts()).isFalse();
        assertThat(new Decision(new Action.WaitForOperator(), "x").acts()).isFalse();
        assertThat(new Decision(new Action.Fence(), "x").acts()).isTrue();
        assertThat(new Decision(new Action.Follow(LEADER), "x").acts()).isTrue();
        assertThat(new Decision(new Action.StartAsReplica(Optional.empty()), "x").acts())
                .isTrue();
    }

    @Test
    void aNewDecisionIsLoggedARepeatedOneOnlyWhenItIsANewEvent() {
        Decision restart = new Decision(new Action.RestartAsPrimary(), "primary is down");
        Decision observe = new Decision(new Action.Observe(), "waiting");
        Decision follow = new Decision(new Action.Follow(LEADER), "following a");
        assertThat(restart.worthLogging(observe, false)).as("new").isTrue();
        assertThat(restart.worthLogging(restart, false))
                .as("the same, still failing")
                .isFalse();
        assertThat(restart.worthLogging(restart, true))
                .as("the primary crashed again after a restart worked")
                .isTrue();
        assertThat(observe.worthLogging(observe, true))
                .as("observing again says nothing new")
                .isFalse();
        assertThat(follow.worthLogging(follow, true))
                .as("following a primary that is down is said once")
                .isFalse();
        assertThat(new Decision(new Action.Observe(), "other reason").worthLogging(observe, false))
                .isTrue();
    }
}
