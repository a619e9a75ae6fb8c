package io.steward.engine;

import io.steward.settings.Settings;
import io.steward.store.BackupStoreConfig;
import java.util.Optional;

/**
 * A section {@code backup.<name>} that a plugin reads itself: its own archive in the backup store. The core checks it
 * when the configuration is loaded and hands it over as given ({@link ServiceContext#backupSections()}).
 */
public interface BackupSection {

    /** The key under {@code backup}. */
    String name();

    /**
     * Whether this section held the backup store's keys (bucket, region...) before {@code backup.store} existed. For
     * one release they are still read from it as the store's, with a warning; the section is then accepted whichever
     * engine is configured. False by default.
     */
    default boolean heldStoreKeys() {
        return false;
    }

    /**
     * Reads the section as the plugin will when it runs, reporting every problem through {@code section}; called only
     * when the section is given and this plugin's engine is the configured one. The store's keys are not in it.
     *
     * @param store the backup store, when one is configured
     */
    void check(Settings section, Optional<BackupStoreConfig> store);
}
