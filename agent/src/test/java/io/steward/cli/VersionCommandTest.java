package io.steward.cli;

import static io.steward.cli.Clusters.cluster;
import static io.steward.cli.Clusters.member;
import static org.assertj.core.api.Assertions.assertThat;

import io.steward.engine.Role;
import org.junit.jupiter.api.Test;

class VersionCommandTest {
    @Test
    void listsEachMembersAgentVersionAndPointsOutThoseThatDifferFromTheCli() {
        String table = VersionCommand.render(
                cluster(
                        member("pg1", Role.PRIMARY).version("1.2.0"),
                        member("pg2", Role.REPLICA).version("1.1.9"),
                        member("pg3", Role.REPLICA).version(null)),
                "1.2.0");

        assertThat(table).isEqualTo("""
                MEMBER  AGENT VERSION
                pg1     1.2.0
                pg2     1.1.9 (not the CLI's)
                pg3     unknown (not the CLI's)
                """);
    }
}
