package io.steward.postgres.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.store.ArchiveLayout;
import org.junit.jupiter.api.Test;

class WalNamingTest {
    @Test
    void everyKindOfFilePostgresArchivesIsAValidName() {
        for (String name : new String[] {
            "000000010000000000000003",
            "0000000A00000001000000FF.partial",
            "000000010000000000000003.00000028.backup",
            "00000002.history"
        }) {
            assertThat(new WalFileName(name).value()).isEqualTo(name);
        }
    }

    @Test
    void anythingElseIsRefusedSoNoKeyLeavesTheWalFolder() {
        for (String name : new String[] {
            "",
            "../000000010000000000000003",
            "000000010000000000000003/x",
            "00000001000000000000000g",
            "000000010000000000000003.gz",
            "RECOVERYXLOG",
            "0000000200.history"
        }) {
            assertThatThrownBy(() -> new WalFileName(name))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a WAL file name");
        }
    }

    @Test
    void keysArePrefixClusterWalName() {
        WalFileName segment = new WalFileName("000000010000000000000003");

        assertThat(segment.keyIn(new ArchiveLayout("steward", "db.example.net")))
                .isEqualTo("steward/db.example.net/wal/000000010000000000000003");
        assertThat(new WalFileName("00000002.history").keyIn(new ArchiveLayout("backups/prod", "db1")))
                .isEqualTo("backups/prod/db1/wal/00000002.history");
        assertThat(segment.keyIn(new ArchiveLayout("", "db1"))).isEqualTo("db1/wal/000000010000000000000003");
    }
}
