package io.steward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.admin.AdminJson;
import io.steward.coordination.TransferRequest;
import io.steward.engine.Role;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusTableTest {
    private static AdminJson.Member member(
            String name, Role role, boolean leader, String problem, long lag, long timeline) {
        return new AdminJson.Member(
                name,
                role,
                leader,
                problem == null,
                problem,
                "10.0.0.1:5432",
                "http://10.0.0.1:8008",
                1000,
                lag,
                timeline,
                null,
                false,
                new AdminJson.Tags(false, 1),
                "0.1.0",
                0,
                null);
    }

    @Test
    void rendersAHeaderAndOneAlignedRowPerMember() {
        AdminJson.Cluster cluster = new AdminJson.Cluster(
                "pg1",
                7,
                false,
                "pg1",
                List.of(
                        member("pg1", Role.PRIMARY, true, null, 0, 3),
                        member("pg2", Role.REPLICA, false, null, 1_572_864, 3),
                        member("pg3", Role.STOPPED, false, "postgres is not running", -1, 2)),
                null,
                null,
                java.util.Map.of(),
                null,
                List.of());

        assertThat(StatusTable.render(cluster)).isEqualTo("""
                Cluster epoch 7, maintenance off, leader pg1
                MEMBER  ROLE              STATE                               LAG      TIMELINE
                pg1     primary (leader)  healthy                             0 B      3
                pg2     replica           healthy                             1.5 MiB  3
                pg3     stopped           unhealthy: postgres is not running  unknown  2
                """);
    }

    @Test
    void showsMaintenanceAndAPendingTransfer() {
        AdminJson.Cluster cluster = new AdminJson.Cluster(
                null,
                4,
                true,
                "pg1",
                List.of(),
                new AdminJson.Transfer(TransferRequest.Kind.SWITCHOVER, "pg1", null, 0, null),
                null,
                java.util.Map.of(),
                null,
                List.of());

        assertThat(StatusTable.render(cluster)).startsWith("""
                Cluster epoch 4, maintenance ON, leader none
                Pending switchover from pg1 to the best eligible replica
                MEMBER""");
    }

    @Test
    void saysWhomTheCurrentPrimaryCountsOnInFailsafeMode() {
        AdminJson.Cluster current = new AdminJson.Cluster(
                "pg1",
                7,
                false,
                "pg1",
                List.of(),
                null,
                null,
                java.util.Map.of("failsafe_mode", "true"),
                new AdminJson.Failsafe("pg1", 7, List.of("pg2", "pg3")),
                List.of());
        AdminJson.Cluster outdated = new AdminJson.Cluster(
                "pg2",
                8,
                false,
                "pg1",
                List.of(),
                null,
                null,
                java.util.Map.of(),
                new AdminJson.Failsafe("pg1", 7, List.of("pg2", "pg3")),
                List.of());

        assertThat(StatusTable.render(current))
                .contains("Failsafe mode: should ZooKeeper become unreachable, pg1 goes "
                        + "on taking writes only while pg2, pg3 all confirm\n");
        assertThat(StatusTable.render(outdated)).doesNotContain("Failsafe");
    }

    @Test
    void namesEachBadZnodeAfterTheMembers() {
        AdminJson.Cluster cluster = new AdminJson.Cluster(
                null,
                4,
                false,
                "pg1",
                List.of(),
                null,
                null,
                java.util.Map.of(),
                null,
                List.of(new AdminJson.BadZnode("/members/ghost", "{}", "no name; member skipped")));

        assertThat(StatusTable.render(cluster)).endsWith("""
                MEMBER  ROLE  STATE  LAG  TIMELINE
                Bad znode /members/ghost: no name; member skipped; it holds: {}
                """);
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0 B",
        "1023, 1023 B",
        "1024, 1 KiB",
        "1572864, 1.5 MiB",
        "16777216, 16 MiB",
        "1073741824, 1 GiB",
        "1610612736000, 1.5 TiB"
    })
    void bytesAreHumanInPowersOf1024(long bytes, String human) {
        assertThat(StatusTable.humanBytes(bytes)).isEqualTo(human);
    }
}
