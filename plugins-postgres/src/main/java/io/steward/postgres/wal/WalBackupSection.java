package io.steward.postgres.wal;

import io.steward.engine.BackupSection;
import io.steward.settings.Settings;
import io.steward.store.BackupStoreConfig;
import java.util.Optional;

/** {@code backup.wal}, which held the backup store's keys before {@code backup.store} existed. */
public final class WalBackupSection implements BackupSection {
    @Override
    public String name() {
        return WalArchiveConfig.SECTION;
    }

    @Override
    public boolean heldStoreKeys() {
        return true;
    }

    @Override
    public void check(Settings section, Optional<BackupStoreConfig> store) {
        WalArchiveConfig.read(section, true, store);
    }
}
