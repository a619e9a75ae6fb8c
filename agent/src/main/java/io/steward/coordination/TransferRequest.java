package io.steward.coordination;

import java.util.Optional;

/**
 * A planned change of primary asked for by an operator, stored in the {@code switchover} znode until it is done.
 *
 * @param kind switchover (zero loss, the candidate catches up first) or failover (forced, to a named candidate)
 * @param from the primary it applies to; when it is no longer the primary the request is dropped
 * @param to the candidate, or empty for "the best eligible replica" (switchover only)
 * @param requestedAtMillis when it was asked for
 */
public record TransferRequest(Kind kind, String from, Optional<String> to, long requestedAtMillis) {

    public enum Kind {
        SWITCHOVER,
        FAILOVER
    }

    public TransferRequest {
        to = to == null ? Optional.empty() : to;
    }
}
