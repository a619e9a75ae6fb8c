package io.steward.aws;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one publish did.
 *
 * @param outcome whether records changed
 * @param recordName the record's name as given
 * @param epoch the epoch the change was made under; empty for records that need no lease (a member's own record)
 * @param changeId Route 53's change id, when a change was made (it is INSYNC by the time this is returned)
 */
public record PublishResult(Outcome outcome, String recordName, OptionalLong epoch, Optional<String> changeId) {

    public enum Outcome {
        /** A change was made and Route 53 reports it INSYNC. */
        CHANGED,
        /** The records were already as wanted: no change call was made. */
        ALREADY_CURRENT,
        /** This node no longer holds the lease it started with (or never held one): nothing was changed. */
        DEPOSED
    }

    static PublishResult changed(String recordName, OptionalLong epoch, String changeId) {
        return new PublishResult(Outcome.CHANGED, recordName, epoch, Optional.of(changeId));
    }

    static PublishResult alreadyCurrent(String recordName, OptionalLong epoch) {
        return new PublishResult(Outcome.ALREADY_CURRENT, recordName, epoch, Optional.empty());
    }

    static PublishResult deposed(String recordName, OptionalLong epoch) {
        return new PublishResult(Outcome.DEPOSED, recordName, epoch, Optional.empty());
    }
}
