package io.steward.config;

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

    /** Where wal-push and wal-fetch look for the agent unless told otherwise. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/steward/wal.sock");
    /** Two uploads beside the one PostgreSQL waits for: enough to keep up with a burst of WAL on a small node. */
    public static final int DEFAULT_PUSH_AHEAD = 2;

    /** Archiving switched off: what a configuration without a backup store gets. */
    public static WalArchiveConfig disabled() {
        return new WalArchiveConfig(false, Optional.empty(), DEFAULT_PUSH_AHEAD);
    }
}
