package io.steward.aws;

import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Asked right before every change to a record that only the primary may write: a deposed primary must not point
 * clients back at itself after the lease has passed to another member.
 */
@FunctionalInterface
public interface LeaseCheck {
    /** The epoch of the lease this node provably holds right now; empty when it holds none. */
    OptionalLong heldEpoch();

    /** What the number is called in logs and change comments: a database that elects its own primary has terms. */
    default String numberName() {
        return "epoch";
    }

    static LeaseCheck named(String numberName, Supplier<OptionalLong> held) {
        return new LeaseCheck() {
            @Override
            public OptionalLong heldEpoch() {
                return held.get();
            }

            @Override
            public String numberName() {
                return numberName;
            }
        };
    }
}
