package io.steward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.admin.AdminJson;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryTableTest {
    @Test
    void listsEachChangeOfPrimaryOldestFirstWithItsTimeInUtc() {
        List<AdminJson.History> history = List.of(
                new AdminJson.History(3, "pg1", "pg2", "switchover", 9_000, 1_700_000_200_000L),
                new AdminJson.History(1, "pg1", null, "bootstrap", 0, 1_700_000_000_000L),
                new AdminJson.History(2, "pg2", "pg1", "failover", 5_000, 1_700_000_100_000L));

        assertThat(HistoryTable.render(history)).isEqualTo("""
                EPOCH  TIME                     FROM  TO   REASON
                1      2023-11-14 22:13:20 UTC  -     pg1  bootstrap
                2      2023-11-14 22:15:00 UTC  pg1   pg2  failover
                3      2023-11-14 22:16:40 UTC  pg2   pg1  switchover
                """);
    }

    @Test
    void saysSoWhenNothingHappenedYet() {
        assertThat(HistoryTable.render(List.of())).isEqualTo("No change of primary recorded yet.\n");
    }
}
