package io.steward.engine;

import java.time.Duration;
import java.util.Optional;

/**
 * A database that can tell how far behind in time a replica is (not only in bytes), for an operator's {@code steward
 * status}. It is a reading of the last {@link Engine#probe()}, not a measurement of its own.
 */
public non-sealed interface ReplayDelay extends Capability {

    /**
     * How old the newest change is that the primary made and this replica has not applied yet, as of the last probe:
     * zero when it has applied everything it knows of (an idle primary makes no changes, so a caught-up replica stays
     * at zero) and on a primary; empty when it could not be told then (not running, not following a primary).
     */
    Optional<Duration> replayDelay();
}
