package io.steward.postgres.wal;

import io.steward.cli.ConfigOptions;
import io.steward.config.ConfigLoader;
import io.steward.config.StewardConfig;
import io.steward.settings.ConfigException;
import io.steward.store.BackupStoreConfig;
import java.io.PrintWriter;
import java.util.Optional;

/** What {@code wal-push} and {@code wal-fetch} share: the configuration, checked for an enabled archive. */
final class WalCommandSupport {
    private WalCommandSupport() {}

    /**
     * The configuration and the store of its archive.
     *
     * @param store where the archive is
     */
    record Loaded(StewardConfig config, BackupStoreConfig store) {}

    /** The configuration when it is valid and archiving is on; else the problem is printed and nothing is returned. */
    static Optional<Loaded> load(ConfigOptions options, String command, PrintWriter err) {
        StewardConfig config;
        try {
            config = ConfigLoader.load(options.sources());
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return Optional.empty();
        }
        if (!WalArchiveConfig.of(config).enabled()) {
            err.println("steward " + command + ": WAL archiving is not enabled; configure backup.store (bucket, "
                    + "region) and remove backup.wal.enabled: false");
            return Optional.empty();
        }
        return Optional.of(new Loaded(config, config.backup().store().orElseThrow()));
    }
}
