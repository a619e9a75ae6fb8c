package io.steward.coordination;

import java.util.Optional;

/**
 * The {@code sync} znode in synchronous mode: which standby the primary waits for. Only that standby may be
 * promoted, because only it is known to have every acknowledged write.
 *
 * @param leader the primary that wrote it
 * @param standby the synchronous standby, or empty when none is (then no failover is safe)
 */
public record SyncState(String leader, Optional<String> standby) {
    public SyncState {
        standby = standby == null ? Optional.empty() : standby;
    }
}
