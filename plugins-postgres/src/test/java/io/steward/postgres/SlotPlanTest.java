package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which replication slots the primary creates and drops: its own members' only, and never another tool's. */
class SlotPlanTest {

    @Test
    void everyOtherMemberHasASlotUnderItsSlotName() {
        assertThat(SlotPlan.wanted(Set.of("db-1", "db-2", "Node_3"), "db-1")).containsExactly("db_2", "node_3");
    }

    @Test
    void missingSlotsAreCreatedInNameOrder() {
        SlotPlan plan = SlotPlan.of(Set.of("db_3", "db_2"), Map.of("db_2", true), Set.of());

        assertThat(plan.create()).containsExactly("db_3");
        assertThat(plan.drop()).isEmpty();
    }

    @Test
    void aSlotOfAMemberThatLeftIsDroppedOnceNothingStreamsFromIt() {
        Map<String, Boolean> existing = Map.of("db_2", true, "gone_idle", false, "gone_streaming", true);

        SlotPlan plan = SlotPlan.of(Set.of("db_2"), existing, Set.of("db_2", "gone_idle", "gone_streaming"));

        assertThat(plan.drop()).containsExactly("gone_idle");
        assertThat(plan.create()).isEmpty();
    }

    @Test
    void aSlotStewardDidNotCreateIsNeverDropped() {
        SlotPlan plan = SlotPlan.of(Set.of("db_2"), Map.of("db_2", false, "pg_logical_tool", false), Set.of("db_2"));

        assertThat(plan.drop()).isEmpty();
    }

    @Test
    void aCurrentMembersIdleSlotStays() {
        assertThat(SlotPlan.of(Set.of("db_2"), Map.of("db_2", false), Set.of("db_2"))
                        .drop())
                .isEmpty();
    }
}
