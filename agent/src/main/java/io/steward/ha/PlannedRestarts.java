package io.steward.ha;

import io.steward.engine.EngineException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's restart of the local server that is waiting for the loop (one at a time), and what came of it: the
 * admin API records it here, the loop asks {@link RestartRules} each tick whether to carry it out, and the outcome
 * completes the request's future (a restart asked for at once is answered once it is done).
 */
public final class PlannedRestarts {
    private static final Logger log = LoggerFactory.getLogger(PlannedRestarts.class);

    private record Pending(RestartRequest request, CompletableFuture<String> outcome) {}

    private Optional<Pending> pending = Optional.empty();

    /**
     * Records the request, unless one is already waiting.
     *
     * @return the outcome in words once it is restarted or dropped (failed exceptionally with the engine's error);
     *         empty when another request is waiting
     */
    public synchronized Optional<CompletableFuture<String>> request(RestartRequest request) {
        if (pending.isPresent()) {
            return Optional.empty();
        }
        Pending recorded = new Pending(request, new CompletableFuture<>());
        pending = Optional.of(recorded);
        log.info("{} by an operator", request);
        return Optional.of(recorded.outcome());
    }

    /** The waiting request, if any. */
    public synchronized Optional<RestartRequest> waiting() {
        return pending.map(Pending::request);
    }

    /** Drops the waiting request; false when there was none. */
    public synchronized boolean cancel() {
        return drop("cancelled by an operator");
    }

    /**
     * This tick's decision, with the waiting restart in place of leading or observing when {@link RestartRules} says
     * so; a request that no longer applies is dropped here.
     *
     * @param pendingSettings the engine's settings waiting for a restart, asked only when the rules need them
     */
    synchronized Decision amend(
            Decision rules, RestartRules.Situation local, long nowMillis, Supplier<List<String>> pendingSettings) {
        if (pending.isEmpty()) {
            return rules;
        }
        RestartRequest request = pending.get().request();
        RestartRules.Situation situation = local;
        if (RestartRules.needsPendingSettings(request, nowMillis)) {
            try {
                situation = new RestartRules.Situation(
                        local.role(),
                        local.coordinationReadable(),
                        local.provablyPrimary(),
                        local.primaryKnown(),
                        Optional.of(pendingSettings.get()));
            } catch (EngineException e) {
                drop("cannot tell whether a setting waits for a restart: " + e.getMessage());
                return rules;
            }
        }
        RestartRules.Verdict verdict = RestartRules.decide(request, rules, situation, nowMillis);
        if (verdict instanceof RestartRules.Verdict.Restart restart) {
            return new Decision(new Action.Restart(), restart.reason());
        }
        if (verdict instanceof RestartRules.Verdict.Drop dropped) {
            drop(dropped.reason());
        }
        return rules;
    }

    /** Carries out the restart the loop decided on ({@link Action.Restart}) and reports how it went. */
    void carryOut(Runnable restart) {
        Optional<Pending> doing;
        synchronized (this) {
            doing = pending;
            pending = Optional.empty();
        }
        try {
            restart.run();
        } catch (RuntimeException e) {
            doing.ifPresent(p -> p.outcome().completeExceptionally(e));
            throw e;
        }
        doing.ifPresent(p -> p.outcome().complete("restarted"));
    }

    private boolean drop(String why) {
        if (pending.isEmpty()) {
            return false;
        }
        log.info("{}: not restarting: {}", pending.get().request(), why);
        pending.get().outcome().complete("not restarted: " + why);
        pending = Optional.empty();
        return true;
    }
}
