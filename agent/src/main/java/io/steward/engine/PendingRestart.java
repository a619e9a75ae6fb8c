package io.steward.engine;

/**
 * A database that can tell when a changed setting takes effect only after a restart of its server, for an operator's
 * {@code steward status}. A reading of the last {@link Engine#probe()}.
 */
public non-sealed interface PendingRestart extends Capability {

    /** Whether some setting was changed and awaits a restart of the server, as of the last probe. */
    boolean pendingRestart();
}
