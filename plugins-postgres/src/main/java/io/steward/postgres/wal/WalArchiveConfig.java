package io.steward.postgres.wal;

import com.fasterxml.jackson.databind.JsonNode;
import io.steward.config.StewardConfig;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import io.steward.store.BackupStoreConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * PostgreSQL's WAL archive (YAML section {@code backup.wal}), kept in the backup store ({@code backup.store}).
 *
 * @param enabled whether {@code wal-push}/{@code wal-fetch} may use the archive at all: with a backup store, unless
 *        {@code backup.wal.enabled} is false
 * @param socket where the running agent takes wal-push and wal-fetch requests; empty: it takes none
 * @param pushAhead how many of the segments PostgreSQL has marked ready the agent uploads at once while PostgreSQL's
 *        archive_command is still busy with an earlier one (0: only the one asked for)
 */
public record WalArchiveConfig(boolean enabled, Optional<Path> socket, int pushAhead) {

    /** The section's name under {@code backup}. */
    static final String SECTION = "wal";
    /** Where wal-push and wal-fetch look for the agent unless told otherwise. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/steward/wal.sock");
    /** Two uploads beside the one PostgreSQL waits for: enough to keep up with a burst of WAL on a small node. */
    public static final int DEFAULT_PUSH_AHEAD = 2;

    /** The archive as configured: {@code backup.wal}, already checked when the configuration was loaded. */
    static WalArchiveConfig of(StewardConfig config) {
        return of(config.backup().pluginSection(SECTION), config.backup().store());
    }

    /**
     * The archive as configured, from its section as given (a missing node when absent) and the backup store.
     */
    static WalArchiveConfig of(JsonNode section, Optional<BackupStoreConfig> store) {
        ConfigProblems problems = new ConfigProblems();
        Settings settings = new Settings("backup." + SECTION, section, problems);
        WalArchiveConfig wal = read(settings, !section.isMissingNode(), store);
        settings.rejectUnknownKeys();
        problems.throwIfAny();
        return wal;
    }

    /**
     * Reads {@code backup.wal}: with a backup store archiving is on, with these defaults, unless {@code enabled} is
     * false.
     *
     * @param given whether the section is there at all: given and on without a store, it is a problem
     */
    static WalArchiveConfig read(Settings wal, boolean given, Optional<BackupStoreConfig> store) {
        boolean enabled = wal.bool("enabled", true);
        if (given && enabled && store.isEmpty()) {
            wal.problems()
                    .add(
                            "backup.store",
                            null,
                            "the S3 bucket (and region) the WAL archive goes to; required "
                                    + "when backup.wal is given, unless backup.wal.enabled is false");
        }
        // "" switches the socket off: wal-push and wal-fetch then always work in their own process
        wal.acknowledge("socket");
        Optional<Path> socket = wal.has("socket")
                ? wal.optionalString("socket").filter(text -> !text.isBlank()).map(Path::of)
                : Optional.of(DEFAULT_SOCKET);
        if (socket.filter(path -> !path.isAbsolute()).isPresent()) {
            wal.problems().add(wal.keyPath("socket"), socket.get(), "an absolute path, or \"\" for no socket");
        }
        int pushAhead = wal.integer("push_ahead", DEFAULT_PUSH_AHEAD, 0, 16);
        return new WalArchiveConfig(enabled && store.isPresent(), socket, pushAhead);
    }
}
