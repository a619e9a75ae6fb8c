package io.steward.cli;

import io.steward.config.ConfigException;
import io.steward.config.ConfigLoader;
import io.steward.config.StewardConfig;

import java.io.PrintWriter;
import java.util.Optional;

/** What {@code wal-push} and {@code wal-fetch} share: the configuration, checked for an enabled archive. */
final class WalCommandSupport {
    private WalCommandSupport() {
    }

    /** The configuration when it is valid and archiving is on; else the problem is printed and nothing is returned. */
    static Optional<StewardConfig> load(ConfigOptions options, String command, PrintWriter err) {
        StewardConfig config;
        try {
            config = ConfigLoader.load(options.sources());
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return Optional.empty();
        }
        if (!config.backup().wal().enabled()) {
            err.println("steward " + command + ": WAL archiving is not enabled; configure backup.store (bucket, region) "
                    + "and remove backup.wal.enabled: false");
            return Optional.empty();
        }
        return Optional.of(config);
    }
}
