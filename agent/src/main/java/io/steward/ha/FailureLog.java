package io.steward.ha;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The action the loop keeps failing at, for {@code /health}, and the line it last logged about it, pure. A failure is
 * logged once, then again every {@link #REPEAT} while it keeps failing the same way, so that a loop that fails every
 * tick does not flood the log.
 *
 * @param failing the action failing now, since its first failure in the current run of failures
 * @param lastLine the failure last logged
 * @param lastLineNanos when it was logged ({@link Clock#nanoTime()})
 */
record FailureLog(Optional<FailingAction> failing, String lastLine, long lastLineNanos) {
    static final Duration REPEAT = Duration.ofMinutes(1);
    static final FailureLog NONE = new FailureLog(Optional.empty(), "", 0);

    /** What a failure changes, and the line to log for it, if one is due. */
    record Failed(FailureLog log, Optional<String> line) {}

    /** {@code action} failed for {@code reason}. */
    Failed failed(String action, String reason, Instant now, long nowNanos) {
        Instant since = failing.filter(f -> f.action().equals(action))
                .map(FailingAction::since)
                .orElse(now);
        Optional<FailingAction> next = Optional.of(new FailingAction(action, reason, since));
        String line = action + " failed: " + reason;
        if (!line.equals(lastLine) || nowNanos - lastLineNanos > REPEAT.toNanos()) {
            return new Failed(new FailureLog(next, line, nowNanos), Optional.of(line));
        }
        return new Failed(new FailureLog(next, lastLine, lastLineNanos), Optional.empty());
    }

    /** An action worked, or none was needed: nothing is failing. */
    FailureLog cleared() {
        return new FailureLog(Optional.empty(), lastLine, lastLineNanos);
    }
}
