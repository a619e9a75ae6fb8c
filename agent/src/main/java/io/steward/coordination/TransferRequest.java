package io.steward.coordination;

import java.util.Optional;

/**
 * A planned change of primary asked for by an operator, stored in the {@code switchover} znode until it is done.
 *
 * @param kind switchover (zero loss, the candidate catches up first) or failover (forced, to a named candidate)
 * @param from the primary it applies to; when it is no longer the primary the request is dropped
 * @param to the candidate, or empty for "the best eligible replica" (switchover only)
 * @param requestedAtMillis when it was asked for
 * @param scheduledAtMillis when the primary is to carry it out, for a switchover planned ahead; empty for at once (and
 *        in a znode written by an agent that did not know of scheduling)
 */
public record TransferRequest(
        Kind kind, String from, Optional<String> to, long requestedAtMillis, Optional<Long> scheduledAtMillis) {

    public enum Kind {
        SWITCHOVER,
        FAILOVER
    }

    public TransferRequest {
        to = to == null ? Optional.empty() : to;
        scheduledAtMillis = scheduledAtMillis == null ? Optional.empty() : scheduledAtMillis;
    }

    /** A request to carry out at once. */
    public TransferRequest(Kind kind, String from, Optional<String> to, long requestedAtMillis) {
        this(kind, from, to, requestedAtMillis, Optional.empty());
    }

    /** From when it is to be carried out: its scheduled time, else when it was asked for. */
    public long dueAtMillis() {
        return scheduledAtMillis.orElse(requestedAtMillis);
    }

    /** The same request, naming the candidate the primary chose. */
    public TransferRequest withCandidate(String candidate) {
        return new TransferRequest(kind, from, Optional.of(candidate), requestedAtMillis, scheduledAtMillis);
    }
}
