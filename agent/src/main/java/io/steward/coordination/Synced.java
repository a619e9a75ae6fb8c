package io.steward.coordination;

/**
 * Something read from ZooKeeper after a {@code sync()} the ensemble's leader answered, so it is no older than the
 * moment the leader answered, with how long that proves this agent's session alive.
 *
 * @param value what was read
 * @param sessionId the session that read it; a lease it shows is this agent's only if the lease names this session
 * @param sessionAliveUntilNanos the instant ({@link System#nanoTime()}) before which the leader cannot expire that
 *        session, and so cannot hand an ephemeral lease of it to anyone else ({@link SessionLiveness})
 */
public record Synced<T>(T value, long sessionId, long sessionAliveUntilNanos) {}
