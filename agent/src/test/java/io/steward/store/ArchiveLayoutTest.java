package io.steward.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ArchiveLayoutTest {
    @Test
    void foldersArePrefixClusterArchive() {
        assertThat(new ArchiveLayout("steward", "db.example.net").dumpFolder())
                .isEqualTo("steward/db.example.net/dumps/");
        assertThat(new ArchiveLayout("backups/prod", "db1").snapshotFolder()).isEqualTo("backups/prod/db1/snapshots/");
        assertThat(new ArchiveLayout("", "db1").folder("log")).isEqualTo("db1/log/");
    }

    @Test
    void noNameReachesOutsideTheClustersFolder() {
        assertThatThrownBy(() -> new ArchiveLayout("steward/", "db1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ArchiveLayout("steward", "a/b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ArchiveLayout("steward", "db1").folder("../x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ArchiveLayout("steward", "db1").folder(""))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
