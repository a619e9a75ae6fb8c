package io.steward.ha;

import io.steward.engine.Role;
import java.util.List;
import java.util.Optional;

/**
 * When an operator's restart of the local server is carried out, pure. It waits for its time, and for a tick that has
 * nothing more pressing to do (the HA rules chose to lead or to observe); a replica waits while the cluster has no
 * primary (its position may be needed for the election), and a primary restarts only while it provably holds the lease.
 * The lease stays held and renewed while its server is down on purpose, so no replica takes over (they take over only
 * a free lease), and the restart runs inside one tick, so the time-down clock that releases the lease
 * ({@code primary_start_timeout}) starts only if the server has not come back by the end of it.
 */
final class RestartRules {
    private RestartRules() {}

    /** What to do with the pending request this tick. */
    sealed interface Verdict {
        /** Not now: keep it. */
        record Wait(String why) implements Verdict {}

        /** Restart now. */
        record Restart(String reason) implements Verdict {}

        /** It no longer applies: drop it, telling the operator why. */
        record Drop(String reason) implements Verdict {}
    }

    /**
     * The local node as of this tick.
     *
     * @param role the server's role as probed
     * @param coordinationReadable whether this tick could read the cluster
     * @param provablyPrimary whether a primary holds the lease provably now (or its database elects it)
     * @param primaryKnown whether some member holds the lease (or the database elects its own primary)
     * @param pendingSettings the settings that wait for a restart; asked for only when {@link #needsPendingSettings}
     */
    record Situation(
            Role role,
            boolean coordinationReadable,
            boolean provablyPrimary,
            boolean primaryKnown,
            Optional<List<String>> pendingSettings) {}

    /** Whether {@link #decide} needs to know which settings wait for a restart. */
    static boolean needsPendingSettings(RestartRequest request, long nowMillis) {
        return request.onlyIfPending() && request.dueAt(nowMillis);
    }

    static Verdict decide(RestartRequest request, Decision rules, Situation local, long nowMillis) {
        if (!request.dueAt(nowMillis)) {
            return new Verdict.Wait("not yet time");
        }
        if (!local.coordinationReadable()) {
            return new Verdict.Wait("ZooKeeper unreachable");
        }
        if (local.role() == Role.STOPPED) {
            return new Verdict.Wait("the server is not running");
        }
        String role = local.role().name().toLowerCase(java.util.Locale.ROOT);
        if (request.role().filter(wanted -> wanted != local.role()).isPresent()) {
            return new Verdict.Drop("the server is now a " + role + ", and the restart was asked for a "
                    + request.role().get().name().toLowerCase(java.util.Locale.ROOT) + " only");
        }
        if (!(rules.action() instanceof Action.Lead) && !(rules.action() instanceof Action.Observe)) {
            return new Verdict.Wait(
                    "the HA loop has to " + rules.action().getClass().getSimpleName() + " first");
        }
        if (local.role() == Role.PRIMARY && !local.provablyPrimary()) {
            return new Verdict.Wait("the primary cannot prove its lease now");
        }
        if (local.role() != Role.PRIMARY && !local.primaryKnown()) {
            return new Verdict.Wait("the cluster has no primary now");
        }
        List<String> pending = local.pendingSettings().orElse(List.of());
        if (request.onlyIfPending() && pending.isEmpty()) {
            return new Verdict.Drop("no setting waits for a restart");
        }
        String what = local.role() == Role.PRIMARY
                ? "restarting the primary in place, keeping the lease: writes stop until it is back"
                : "restarting the " + role + " in place";
        return new Verdict.Restart(what + " (" + request
                + (pending.isEmpty() ? "" : "; waiting for it: " + String.join(", ", pending)) + ")");
    }
}
