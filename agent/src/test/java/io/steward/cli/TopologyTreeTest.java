package io.steward.cli;

import static io.steward.cli.Clusters.cluster;
import static io.steward.cli.Clusters.member;
import static org.assertj.core.api.Assertions.assertThat;

import io.steward.engine.Role;
import org.junit.jupiter.api.Test;

class TopologyTreeTest {
    @Test
    void aChainHangsEachReplicaUnderTheMemberItStreamsFrom() {
        // a Redis chain: r2 from r1, r3 from r2, named by address
        String tree = TopologyTree.render(cluster(
                member("r1", Role.PRIMARY).leading(),
                member("r2", Role.REPLICA).streamingFrom("10.0.0.1:5432").lag(0, 0L),
                member("r3", Role.REPLICA).streamingFrom("10.0.0.2:5432").lag(2048, 0L)));

        assertThat(tree).isEqualTo("""
                r1 (primary, leader)  10.0.0.1:5432
                └── r2 (replica)  10.0.0.2:5432  lag 0 B
                    └── r3 (replica)  10.0.0.3:5432  lag 2 KiB
                """);
    }

    @Test
    void aStarHasEveryReplicaUnderThePrimaryAndNamesByMemberNameWork() {
        String tree = TopologyTree.render(cluster(
                member("pg1", Role.PRIMARY).leading(),
                member("pg2", Role.REPLICA).streamingFrom("pg1"),
                member("pg3", Role.REPLICA).streamingFrom("10.0.0.1:5432")));

        assertThat(tree).isEqualTo("""
                pg1 (primary, leader)  10.0.0.1:5432
                ├── pg2 (replica)  10.0.0.2:5432  lag 0 B
                └── pg3 (replica)  10.0.0.3:5432  lag 0 B
                """);
    }

    @Test
    void membersWithNoOrAnUnknownUpstreamAreListedUnderThePrimaryWithANote() {
        String tree = TopologyTree.render(cluster(
                member("pg1", Role.PRIMARY).leading(),
                member("pg2", Role.STOPPED).failing("not running").lag(-1, null),
                member("pg3", Role.REPLICA).streamingFrom("10.9.9.9:5432"),
                member("pg4", Role.REPLICA).streamingFrom("pg3")));

        assertThat(tree).isEqualTo("""
                pg1 (primary, leader)  10.0.0.1:5432
                ├── pg2 (stopped, unhealthy)  10.0.0.2:5432  (streams from no one now)
                └── pg3 (replica)  10.0.0.3:5432  lag 0 B  (upstream 10.9.9.9:5432 is not a member)
                    └── pg4 (replica)  10.0.0.4:5432  lag 0 B
                """);
    }

    @Test
    void withoutAPrimaryEachMemberIsARootAndThatIsSaid() {
        String tree = TopologyTree.render(cluster(
                member("pg1", Role.STOPPED).failing("not running"),
                member("pg2", Role.REPLICA).streamingFrom("pg1")));

        assertThat(tree).isEqualTo("""
                No primary.
                pg1 (stopped, unhealthy)  10.0.0.1:5432  (streams from no one now)
                └── pg2 (replica)  10.0.0.2:5432  lag 0 B
                """);
    }

    @Test
    void replicasStreamingFromEachOtherInACircleAreStillShownOnce() {
        String tree = TopologyTree.render(cluster(
                member("pg1", Role.PRIMARY).leading(),
                member("pg2", Role.REPLICA).streamingFrom("pg3"),
                member("pg3", Role.REPLICA).streamingFrom("pg2")));

        assertThat(tree).isEqualTo("""
                pg1 (primary, leader)  10.0.0.1:5432
                └── pg2 (replica)  10.0.0.2:5432  lag 0 B  (streams from pg3, which does not lead to the primary)
                    └── pg3 (replica)  10.0.0.3:5432  lag 0 B
                """);
    }
}
