package io.steward.coordination;

import java.util.Optional;

/**
 * What a member's engine reports for the operator beyond what the HA rules use ({@link io.steward.engine.ReplayDelay},
 * {@link io.steward.engine.PendingRestart}): shown by {@code steward status}, never decided on.
 *
 * @param replayDelayMillis how far behind in time its replica is (0 when caught up); empty when its engine cannot tell
 *        or could not at its last probe
 * @param pendingRestart whether a changed setting awaits a restart of its server; false when its engine cannot tell
 */
public record EngineReport(Optional<Long> replayDelayMillis, boolean pendingRestart) {
    /** An engine that reports nothing more, or an agent from before these reports. */
    public static final EngineReport NONE = new EngineReport(Optional.empty(), false);

    public EngineReport {
        // a negative delay (clocks apart) or none at all means: not known
        replayDelayMillis = replayDelayMillis == null ? Optional.empty() : replayDelayMillis.filter(d -> d >= 0);
    }
}
