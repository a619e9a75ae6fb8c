package io.steward.postgres.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WalRetentionTest {
    private static Map<String, String> labelStartingAt(String segment) {
        return Map.of(
                "backup_label",
                "START WAL LOCATION: 0/2000028 (file " + segment + ")\nCHECKPOINT LOCATION: 0/2000060\n",
                "tablespace_map",
                "");
    }

    @Test
    void walBeforeTheOldestKeptSetIsPurgeableOnAnyTimelineButHistoryFilesStay() {
        String needed = WalRetention.oldestNeededSegment(labelStartingAt("000000020000000100000040"))
                .orElseThrow();

        assertThat(needed).isEqualTo("000000020000000100000040");
        assertThat(WalRetention.purgeable("00000001000000010000003F", needed)).isTrue();
        assertThat(WalRetention.purgeable("00000002000000010000003F.partial", needed))
                .isTrue();
        assertThat(WalRetention.purgeable("000000020000000100000030.00000028.backup", needed))
                .isTrue();
        assertThat(WalRetention.purgeable("000000020000000100000040", needed)).isFalse();
        assertThat(WalRetention.purgeable("000000010000000100000041", needed)).isFalse();
        assertThat(WalRetention.purgeable("00000001.history", needed)).isFalse();
    }

    @Test
    void aSetWhoseLabelDoesNotSayWhereItStartedPurgesNothing() {
        assertThat(WalRetention.oldestNeededSegment(Map.of())).isEmpty();
        assertThat(WalRetention.oldestNeededSegment(Map.of("backup_label", "LABEL: steward\n")))
                .isEmpty();
    }
}
