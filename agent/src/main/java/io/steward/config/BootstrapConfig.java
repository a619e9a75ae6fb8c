package io.steward.config;

import java.time.Instant;
import java.util.Optional;

/**
 * How a node with an empty data directory gets its data.
 *
 * @param mode see {@link Mode}
 * @param source the member (replica) or cluster (clone) to copy from; required unless the mode is {@code auto}
 * @param targetTime for a clone: stop replaying the archive at this instant; without it, replay all there is
 */
public record BootstrapConfig(Mode mode, Optional<String> source, Optional<Instant> targetTime) {

    public enum Mode {
        /** Join the cluster when it has a primary, else initialise a new one (the usual case). */
        AUTO,
        /** Only ever become a replica of {@code source}; never initialise a new cluster (user data {@code master}). */
        REPLICA,
        /** Start a new, separate cluster from {@code source}'s backups (user data {@code clone}). */
        CLONE
    }

    /** The cluster this one was cloned from, when it was (user data {@code clone}). */
    public Optional<String> cloneSource() {
        return mode == Mode.CLONE ? source : Optional.empty();
    }
}
