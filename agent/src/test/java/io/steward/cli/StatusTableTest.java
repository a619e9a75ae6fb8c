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
    @Test
    void rendersAHeaderAndOneAlignedRowPerMemberWithTheLeaderMarked() {
        AdminJson.Cluster cluster = Clusters.cluster(
                Clusters.member("pg1", Role.PRIMARY).leading().lag(0, 0L).timeline(3),
                Clusters.member("pg2", Role.REPLICA)
                        .lag(1_572_864, 1_500L)
                        .timeline(3)
                        .awaitingRestart()
                        .tagged(true, 0, java.util.Map.of()),
                Clusters.member("pg3", Role.STOPPED)
                        .failing("postgres is not running")
                        .lag(-1, null)
                        .timeline(2));

        assertThat(StatusTable.render(cluster)).isEqualTo("""
                Cluster epoch 7, maintenance off, leader pg1
                MEMBER  HOST           ROLE              STATE                               LAG      LAG TIME  TIMELINE  TAGS
                pg1     10.0.0.1:5432  primary (leader)  healthy                             0 B      0 s       3         priority=100
                pg2     10.0.0.2:5432  replica           healthy, pending restart            1.5 MiB  1.5 s     3         nofailover,priority=0
                pg3     10.0.0.3:5432  stopped           unhealthy: postgres is not running  unknown  -         2         priority=100
                """);
    }

    @Test
    void showsTheEngineTagsInOrderAfterThoseThatDecidePromotion() {
        AdminJson.Cluster cluster = Clusters.cluster(Clusters.member("m3", Role.REPLICA)
                .tagged(false, 0, java.util.Map.of("member", "arbiter", "backup", "preferred")));

        assertThat(StatusTable.render(cluster)).contains("priority=0,backup=preferred,member=arbiter");
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0 s",
        "250, 250 ms",
        "1000, 1 s",
        "1500, 1.5 s",
        "59949, 59.9 s",
        "60000, 1 min",
        "125000, 2 min 5 s",
        "3600000, 1 h",
        "12000000, 3 h 20 min",
        "187200000, 2 d 4 h"
    })
    void lagTimeIsHuman(long millis, String human) {
        assertThat(StatusTable.humanMillis(millis)).isEqualTo(human);
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
                List.of(),
                null);

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
                List.of(),
                null);
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
                List.of(),
                null);

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
                List.of(new AdminJson.BadZnode("/members/ghost", "{}", "no name; member skipped")),
                null);

        assertThat(StatusTable.render(cluster)).endsWith("""
                MEMBER  HOST  ROLE  STATE  LAG  LAG TIME  TIMELINE  TAGS
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
