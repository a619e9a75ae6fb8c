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

    /**
     * The configuration when it is valid and archiving is on; else the problem is printed and nothing is returned.
     * This runs when no agent took the request: the command then reads the configuration itself, and a file other
     * than the agent's is the likely cause of a problem, so the message names the file it read and how to name
     * another.
     *
     * @param setting PostgreSQL's setting that runs the command, with the option that names a file, for the message
     */
    static Optional<Loaded> load(ConfigOptions options, String command, String setting, PrintWriter err) {
        ConfigLoader.Sources sources = options.sources();
        String read = sources.configFile()
                .map(file -> "the configuration in " + file)
                .orElse("no configuration file (" + ConfigOptions.DEFAULT_CONFIG_FILE + " does not exist)");
        String hint = "; if the agent reads another file, name it in PostgreSQL's setting: " + setting;
        StewardConfig config;
        try {
            config = ConfigLoader.load(sources);
        } catch (ConfigException e) {
            err.println("steward " + command + ": no agent took the request, so this command does the work itself, "
                    + "with " + read + hint + ". " + e.getMessage());
            return Optional.empty();
        }
        if (!WalArchiveConfig.of(config).enabled()) {
            err.println("steward " + command + ": WAL archiving is not enabled in " + read + "; configure "
                    + "backup.store (bucket, region) and remove backup.wal.enabled: false" + hint);
            return Optional.empty();
        }
        return Optional.of(new Loaded(config, config.backup().store().orElseThrow()));
    }
}
