package io.steward.ha;

import io.steward.engine.Role;
import java.time.Instant;
import java.util.Optional;

/**
 * An operator's request to restart this node's server in place ({@code POST /restart}), kept by the agent until its
 * loop carries it out or drops it; a scheduled one is lost if the agent stops before its time.
 *
 * @param scheduledAt when to restart; empty for at once
 * @param onlyIfPending restart only if a setting waits for a restart (as the engine reports them)
 * @param role restart only if the server still has this role then
 * @param requestedAt when it was asked for
 */
public record RestartRequest(
        Optional<Instant> scheduledAt, boolean onlyIfPending, Optional<Role> role, Instant requestedAt) {

    /** Whether its time has come. */
    boolean dueAt(long nowMillis) {
        return scheduledAt.map(at -> at.toEpochMilli() <= nowMillis).orElse(true);
    }

    /** In words, for {@code /health} and the log. */
    @Override
    public String toString() {
        return "restart " + scheduledAt.map(at -> "scheduled at " + at).orElse("requested at " + requestedAt)
                + (onlyIfPending ? ", only if a setting waits for a restart" : "")
                + role.map(r -> ", only while " + r.name().toLowerCase(java.util.Locale.ROOT))
                        .orElse("");
    }
}
