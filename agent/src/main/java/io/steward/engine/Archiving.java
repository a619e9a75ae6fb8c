package io.steward.engine;

import java.util.Optional;

/** A server that archives continuously (its write-ahead log, say) and can say how far behind its archive is. */
public non-sealed interface Archiving extends Capability {

    /**
     * The archive's backlog and progress as the server sees them; empty while the server is configured not to
     * archive. Never throws.
     */
    Optional<ArchiveStatus> archiveStatus();
}
