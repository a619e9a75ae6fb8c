package io.steward.cli;

import static io.steward.cli.Clusters.cluster;
import static io.steward.cli.Clusters.member;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.admin.AdminJson;
import io.steward.engine.Role;
import org.junit.jupiter.api.Test;

class DsnCommandTest {
    private static final AdminJson.Connections ALL = new AdminJson.Connections("to-primary", "to-replica", "to-any");

    @Test
    void printsThePrimarysByDefaultAndEachRolesWhenAsked() throws Exception {
        AdminJson.Cluster cluster = cluster(ALL, member("pg1", Role.PRIMARY));

        assertThat(DsnCommand.choose(cluster, null, null)).isEqualTo("to-primary");
        assertThat(DsnCommand.choose(cluster, DsnCommand.Target.replica, null)).isEqualTo("to-replica");
        assertThat(DsnCommand.choose(cluster, DsnCommand.Target.any, null)).isEqualTo("to-any");
    }

    @Test
    void aNamedMemberGetsItsOwn() throws Exception {
        AdminJson.Cluster cluster = cluster(
                ALL,
                member("pg1", Role.PRIMARY).connectedBy("one"),
                member("pg2", Role.REPLICA).connectedBy("two"));

        assertThat(DsnCommand.choose(cluster, null, "pg2")).isEqualTo("two");
        assertThatThrownBy(() -> DsnCommand.choose(cluster, null, "pg9"))
                .isInstanceOf(ApiCommand.Unsatisfied.class)
                .hasMessage("no member named 'pg9'");
    }

    @Test
    void withoutAPrimaryItSaysSo() {
        AdminJson.Cluster cluster =
                cluster(new AdminJson.Connections(null, "to-replica", "to-any"), member("pg2", Role.REPLICA));

        assertThatThrownBy(() -> DsnCommand.choose(cluster, null, null))
                .isInstanceOf(ApiCommand.Unsatisfied.class)
                .hasMessageStartingWith("no primary:");
    }

    @Test
    void anAgentThatGivesNoConnectionStringsIsToldApart() {
        AdminJson.Cluster cluster = cluster(member("pg1", Role.PRIMARY));

        assertThatThrownBy(() -> DsnCommand.choose(cluster, null, null))
                .isInstanceOf(ApiCommand.Unsatisfied.class)
                .hasMessageContaining("gives no connection strings");
        assertThatThrownBy(() -> DsnCommand.choose(cluster, null, "pg1"))
                .isInstanceOf(ApiCommand.Unsatisfied.class)
                .hasMessageContaining("gives no connection strings");
    }
}
