package io.steward.ha;

import io.steward.engine.RewindFailedException;
import java.util.Optional;

/**
 * What the last attempts to rejoin the primary as a replica left behind, pure: whether only a fresh clone will do, and
 * a failed rewind that only an operator should follow up, while the epoch it failed in lasts.
 *
 * @param mustReinitialize the last rewind failed, and the engine asks for a new clone now
 * @param stuck why a rewind failed that the engine leaves to an operator
 * @param stuckEpoch the epoch in which it failed; a new primary is worth another try
 */
record RejoinState(boolean mustReinitialize, Optional<String> stuck, long stuckEpoch) {
    static final RejoinState NONE = new RejoinState(false, Optional.empty(), 0);

    /** A rewind in {@code epoch} failed; the engine says what may follow. */
    RejoinState rewindFailed(RewindFailedException.Next next, String why, long epoch) {
        if (next == RewindFailedException.Next.WAIT_FOR_OPERATOR) {
            return new RejoinState(false, Optional.of(why), epoch);
        }
        return new RejoinState(next == RewindFailedException.Next.REINITIALIZE, stuck, stuckEpoch);
    }

    /** Why the next step is an operator's in {@code epoch}, if it is. */
    Optional<String> needsOperator(long epoch) {
        return stuck.filter(why -> stuckEpoch == epoch);
    }
}
