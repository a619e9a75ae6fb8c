package io.steward.coordination;

import java.util.Optional;

/**
 * One change of primary, appended under {@code history/}.
 *
 * @param epoch the epoch the new primary took
 * @param primary the new primary
 * @param previous the one before it, when known
 * @param reason why: failover, switchover, failover requested by an operator, bootstrap
 * @param position the new primary's replication position when it took over
 * @param atMillis when (epoch millis)
 */
public record HistoryEntry(
        long epoch, String primary, Optional<String> previous, String reason, long position, long atMillis) {
    public HistoryEntry {
        previous = previous == null ? Optional.empty() : previous;
    }
}
