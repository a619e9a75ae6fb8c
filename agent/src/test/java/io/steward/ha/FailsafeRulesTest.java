package io.steward.ha;

import static io.steward.ha.HaRulesTest.member;
import static org.assertj.core.api.Assertions.assertThat;

import io.steward.coordination.ClusterView;
import io.steward.coordination.FailsafeMembers;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.engine.Role;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FailsafeRulesTest {
    private static final FailsafeRules.Call CALL = new FailsafeRules.Call("a", 7, 5000);

    private static ClusterView lastSeen(
            String holder, long epoch, Optional<FailsafeMembers> failsafe, MemberInfo... members) {
        return new ClusterView(
                Stream.of(members).collect(Collectors.toMap(MemberInfo::name, Function.identity())),
                Optional.of(new Lease(holder, epoch, 99)),
                Optional.empty(),
                epoch,
                Optional.of("a"),
                false,
                Optional.empty(),
                Optional.empty(),
                Map.of("failsafe_mode", "true"),
                failsafe,
                List.of());
    }

    private static String refusal(FailsafeRules.Answer answer) {
        assertThat(answer).isInstanceOf(FailsafeRules.Answer.Refused.class);
        return ((FailsafeRules.Answer.Refused) answer).reason();
    }

    @Test
    void aReplicaCutOffFromZooKeeperTooConfirmsThePrimaryItLastSaw() {
        assertThat(FailsafeRules.answer(CALL, true, false, lastSeen("a", 7, Optional.empty()), Role.REPLICA))
                .isInstanceOf(FailsafeRules.Answer.Confirmed.class);
        // a stopped member confirms too: it cannot take the lease without ZooKeeper either, and keeps its promise
        assertThat(FailsafeRules.answer(CALL, true, false, lastSeen("a", 7, Optional.empty()), Role.STOPPED))
                .isInstanceOf(FailsafeRules.Answer.Confirmed.class);
    }

    @Test
    void aMemberThatReachesZooKeeperNeverConfirms() {
        assertThat(refusal(FailsafeRules.answer(CALL, true, true, lastSeen("a", 7, Optional.empty()), Role.REPLICA)))
                .contains("reaches ZooKeeper");
    }

    @Test
    void aMemberThatSawALaterEpochOrAnotherHolderDoesNotConfirm() {
        assertThat(refusal(FailsafeRules.answer(CALL, true, false, lastSeen("b", 8, Optional.empty()), Role.REPLICA)))
                .contains("has seen epoch 8, later than the caller's 7");
        assertThat(refusal(FailsafeRules.answer(CALL, true, false, lastSeen("b", 7, Optional.empty()), Role.REPLICA)))
                .contains("last saw b hold the lease (epoch 7), not a");
        ClusterView noLease = new ClusterView(
                Map.of(), Optional.empty(), 7, Optional.of("a"), false, Optional.empty(), Optional.empty());
        assertThat(refusal(FailsafeRules.answer(CALL, true, false, noLease, Role.REPLICA)))
                .contains("no lease holder");
    }

    @Test
    void aPrimaryAMemberWithFailsafeOffOrAMeaninglessWindowDoesNotConfirm() {
        ClusterView view = lastSeen("a", 7, Optional.empty());
        assertThat(refusal(FailsafeRules.answer(CALL, true, false, view, Role.PRIMARY)))
                .contains("runs as primary");
        assertThat(refusal(FailsafeRules.answer(CALL, false, false, view, Role.REPLICA)))
                .contains("failsafe mode is off");
        assertThat(refusal(FailsafeRules.answer(new FailsafeRules.Call("a", 7, 0), true, false, view, Role.REPLICA)))
                .contains("positive time");
    }

    @Test
    void thePrimaryCountsOnEveryOtherMemberItSeesAndCallsThemOnlyUnderItsOwnRecord() {
        ClusterView view = lastSeen(
                "a",
                7,
                Optional.empty(),
                member("a", Role.PRIMARY, 10),
                member("b", Role.REPLICA, 9),
                member("c", Role.STOPPED, -1));
        FailsafeMembers record = FailsafeRules.record(view, "a", 7);
        assertThat(record).isEqualTo(new FailsafeMembers("a", 7, Map.of("b", "http://b", "c", "http://c")));

        ClusterView recorded = lastSeen("a", 7, Optional.of(record));
        assertThat(FailsafeRules.membersToCall(recorded, "a", 7)).contains(record);
        assertThat(FailsafeRules.membersToCall(recorded, "a", 8))
                .as("a record of an earlier epoch")
                .isEmpty();
        assertThat(FailsafeRules.membersToCall(recorded, "b", 7))
                .as("another primary's record")
                .isEmpty();
    }

    @Test
    void onlyTheMembersTheCurrentPrimaryCountsOnMayTakeTheLeaseAfterIt() {
        FailsafeMembers record = new FailsafeMembers("a", 7, Map.of("b", "http://b"));
        ClusterView view = lastSeen("a", 7, Optional.of(record));
        assertThat(FailsafeRules.whyNotACandidate(view, "b")).isEmpty();
        assertThat(FailsafeRules.whyNotACandidate(view, "a")).isEmpty();
        assertThat(FailsafeRules.whyNotACandidate(view, "c"))
                .contains("failsafe mode, and the primary of epoch 7 (a) counts on b but not on this member");
        // a record of an earlier epoch says nothing about the current primary
        assertThat(FailsafeRules.whyNotACandidate(lastSeen("b", 8, Optional.of(record)), "c"))
                .isEmpty();
    }
}
