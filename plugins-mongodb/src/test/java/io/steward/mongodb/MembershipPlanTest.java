package io.steward.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.engine.ClusterMember;
import io.steward.engine.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** Which member the primary adds next, and how: one per reconfiguration, version + 1, as its role says. */
class MembershipPlanTest {
    private static final Document ONE_MEMBER =
            MembershipPlan.initial("rs0", "10.0.0.1:27017", 1).append("version", 4);

    private static ClusterMember member(String name, String host, boolean healthy, String role) {
        return new ClusterMember(
                name,
                new Endpoint(host, 27017),
                healthy,
                100,
                role == null ? Map.of() : Map.of(MembershipPlan.ROLE_TAG, role));
    }

    @Test
    void theFirstHealthyMemberNotInTheSetIsAddedWithTheNextVersion() {
        Optional<Document> next = MembershipPlan.addNext(
                ONE_MEMBER,
                List.of(
                        member("a", "10.0.0.1", true, "active"),
                        member("b", "10.0.0.2", false, "active"),
                        member("c", "10.0.0.3", true, "active"),
                        member("d", "10.0.0.4", true, "active")));

        assertThat(next).isPresent();
        assertThat(next.get().getInteger("version")).isEqualTo(5);
        assertThat(next.get().getList("members", Document.class))
                .extracting(m -> m.getString("host"))
                .containsExactly("10.0.0.1:27017", "10.0.0.3:27017");
        assertThat(next.get().getList("members", Document.class).get(1))
                .isEqualTo(new Document("_id", 1)
                        .append("host", "10.0.0.3:27017")
                        .append("priority", 100)
                        .append("votes", 1));
    }

    @Test
    void arbitersAndHiddenMembersNeverBecomePrimary() {
        Document arbiter = MembershipPlan.addNext(ONE_MEMBER, List.of(member("x", "10.0.0.9", true, "arbiter")))
                .orElseThrow();
        Document hidden = MembershipPlan.addNext(ONE_MEMBER, List.of(member("h", "10.0.0.8", true, "hidden")))
                .orElseThrow();

        assertThat(arbiter.getList("members", Document.class).get(1))
                .containsEntry("arbiterOnly", true)
                .containsEntry("priority", 0)
                .containsEntry("votes", 1);
        assertThat(hidden.getList("members", Document.class).get(1))
                .containsEntry("hidden", true)
                .containsEntry("priority", 0)
                .containsEntry("votes", 1);
    }

    @Test
    void nothingChangesWhenEveryMemberIsInOrItsRoleIsUnknown() {
        assertThat(MembershipPlan.addNext(ONE_MEMBER, List.of(member("a", "10.0.0.1", true, null))))
                .isEmpty();
        assertThat(MembershipPlan.addNext(ONE_MEMBER, List.of(member("q", "10.0.0.7", true, "quorum-witness"))))
                .isEmpty();
    }

    @Test
    void beyondSevenVotersMembersJoinWithoutAVoteAndSoNeverAsCandidates() {
        List<Document> seven = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            seven.add(new Document("_id", i)
                    .append("host", "10.0.1." + i + ":27017")
                    .append("votes", 1));
        }
        Document full = new Document("_id", "rs0").append("version", 9).append("members", seven);

        Document next = MembershipPlan.addNext(full, List.of(member("h", "10.0.2.1", true, "active")))
                .orElseThrow();

        assertThat(next.getList("members", Document.class).get(7))
                .containsEntry("_id", 7)
                .containsEntry("votes", 0)
                .containsEntry("priority", 0);
    }

    @Test
    void aLeavingMemberIsTakenOutWithTheNextVersion() {
        Document two = MembershipPlan.addNext(ONE_MEMBER, List.of(member("c", "10.0.0.3", true, "active")))
                .orElseThrow();

        Document without = MembershipPlan.remove(two, "10.0.0.1:27017").orElseThrow();

        assertThat(without.getInteger("version")).isEqualTo(6);
        assertThat(without.getList("members", Document.class))
                .extracting(m -> m.getString("host"))
                .containsExactly("10.0.0.3:27017");
        assertThat(MembershipPlan.remove(without, "10.0.0.1:27017")).isEmpty();
    }

    @Test
    void aVotingDataMemberGetsItsNodePriorityBeforeAnyoneIsAdded() {
        Document next = MembershipPlan.next(
                        ONE_MEMBER,
                        List.of(member("a", "10.0.0.1", true, "active"), member("c", "10.0.0.3", true, "active")))
                .orElseThrow();

        assertThat(next.getList("members", Document.class))
                .singleElement()
                .satisfies(m -> assertThat(m).containsEntry("priority", 100).containsEntry("host", "10.0.0.1:27017"));
        assertThat(next.getInteger("version")).isEqualTo(5);
        assertThat(MembershipPlan.describeChange(ONE_MEMBER, next))
                .isEqualTo("{\"_id\": 0, \"host\": \"10.0.0.1:27017\", \"priority\": 100}");

        Document added = MembershipPlan.next(
                        next, List.of(member("a", "10.0.0.1", true, "active"), member("c", "10.0.0.3", true, "active")))
                .orElseThrow();
        assertThat(added.getList("members", Document.class)).hasSize(2);
        assertThat(MembershipPlan.next(
                        added,
                        List.of(member("a", "10.0.0.1", true, "active"), member("c", "10.0.0.3", true, "active"))))
                .isEmpty();
    }
}
