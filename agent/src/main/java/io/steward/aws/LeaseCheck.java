package io.steward.aws;

import java.util.OptionalLong;

/**
 * Asked right before every change to a record that only the primary may write: a deposed primary must not point
 * clients back at itself after the lease has passed to another member.
 */
@FunctionalInterface
public interface LeaseCheck {
    /** The epoch of the lease this node provably holds right now; empty when it holds none. */
    OptionalLong heldEpoch();
}
