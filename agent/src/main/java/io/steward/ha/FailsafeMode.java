package io.steward.ha;

import io.steward.config.HaConfig;
import io.steward.coordination.ClusterView;
import io.steward.coordination.FailsafeMembers;
import io.steward.engine.Role;
import io.steward.metrics.AgentMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member's part in failsafe mode ({@link FailsafeRules}): as primary, the rounds of calls that let it go on taking
 * writes while ZooKeeper is unreachable, and until when the last round lets it; as another member, its confirmations
 * and the time it promised, with each, not to take the lease.
 */
final class FailsafeMode {
    private static final Logger log = LoggerFactory.getLogger(FailsafeMode.class);

    private final Caller calls;
    /** Where rounds run: never the watchdog's thread, which must not wait for the network. */
    private final Executor rounds;

    private final Clock clock;
    private final AgentMetrics metrics;
    private final AtomicBoolean roundRunning = new AtomicBoolean();
    private volatile long lastRoundNanos;
    /** As primary: until when every member's confirmation lets this server take writes without ZooKeeper. */
    private volatile long confirmedUntilNanos;
    /** As another member: the confirmation it gave last, and until when it promised not to take the lease. */
    private volatile Optional<Confirmation> given = Optional.empty();
    /** What the last round found, said once until it changes. */
    private volatile String lastOutcome = "";

    private record Confirmation(String leader, long epoch, long untilNanos) {}

    /** How the primary calls the members it counts on ({@link FailsafeCalls}). */
    @FunctionalInterface
    interface Caller {
        /** Calls every member; returns why each one that did not confirm did not (empty: all confirmed). */
        List<String> call(FailsafeMembers members, FailsafeRules.Call call);
    }

    FailsafeMode(Caller calls, Executor rounds, Clock clock, AgentMetrics metrics) {
        this.calls = calls;
        this.rounds = rounds;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** As primary: until when the members' confirmations let this server take writes ({@link Clock#nanoTime()}). */
    long confirmedUntilNanos() {
        return confirmedUntilNanos;
    }

    /** Whether the members' confirmations, rather than the lease, are what keep this primary writable right now. */
    boolean active(long leaseValidUntilNanos) {
        long now = clock.nanoTime();
        return confirmedUntilNanos > now && leaseValidUntilNanos <= now;
    }

    /** ZooKeeper answered, or the lease is no longer this node's: the lease alone decides from now on. */
    void withdraw() {
        if (confirmedUntilNanos != 0) {
            confirmedUntilNanos = 0;
            lastOutcome = "";
        }
    }

    /**
     * As primary, unless a round is under way or one began less than {@code interval} ago: calls every member it counts
     * on, on a thread of its own (the watchdog must never wait for the network).
     *
     * @param window how long the members promise not to take the lease, and so how long a confirmation counts: the
     *        session timeout, asked for on the round's own thread
     */
    void roundSoon(ClusterView view, String self, long epoch, Supplier<Duration> window, Duration interval) {
        if (clock.nanoTime() - lastRoundNanos < interval.toNanos() || !roundRunning.compareAndSet(false, true)) {
            return;
        }
        lastRoundNanos = clock.nanoTime();
        try {
            rounds.execute(() -> {
                try {
                    round(view, self, epoch, window.get());
                } finally {
                    roundRunning.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            roundRunning.set(false); // stopping
        }
    }

    private void round(ClusterView view, String self, long epoch, Duration window) {
        Optional<FailsafeMembers> members = FailsafeRules.membersToCall(view, self, epoch);
        if (members.isEmpty()) {
            report("failsafe mode cannot keep this primary: no member list of epoch " + epoch
                    + " was recorded while ZooKeeper answered; demoting [epoch " + epoch + "]");
            confirmedUntilNanos = 0;
            return;
        }
        long sent = clock.nanoTime();
        List<String> refusals = calls.call(members.get(), new FailsafeRules.Call(self, epoch, window.toMillis()));
        metrics.failsafeRound(refusals.isEmpty());
        if (refusals.isEmpty()) {
            confirmedUntilNanos =
                    Math.max(confirmedUntilNanos, sent + window.toNanos() - HaConfig.FENCE_ALLOWANCE.toNanos());
            report("ZooKeeper unreachable; failsafe mode: every member ("
                    + String.join(
                            ", ",
                            members.get().members().keySet().stream().sorted().toList())
                    + ") confirmed, this primary goes on "
                    + "taking writes [epoch " + epoch + "]");
        } else {
            // Nothing more is confirmed; what the last full round confirmed still holds, since each member keeps the
            // promise it made with its confirmation whatever it answers later (one that reaches ZooKeeper again
            // refuses, and this primary is about to hear from ZooKeeper too).
            report("ZooKeeper unreachable; failsafe mode: not every member confirmed (" + String.join("; ", refusals)
                    + "); demoting once the last confirmations run out [epoch " + epoch + "]");
        }
    }

    private void report(String outcome) {
        if (!outcome.equals(lastOutcome)) {
            log.warn(outcome);
            lastOutcome = outcome;
        }
    }

    /** As another member: answers a primary's call, and keeps the promise that comes with a confirmation. */
    FailsafeRules.Answer answer(
            FailsafeRules.Call call,
            boolean failsafeMode,
            boolean zookeeperReachable,
            ClusterView lastView,
            Role localRole) {
        FailsafeRules.Answer answer = FailsafeRules.answer(call, failsafeMode, zookeeperReachable, lastView, localRole);
        if (answer instanceof FailsafeRules.Answer.Confirmed) {
            long until =
                    clock.nanoTime() + Duration.ofMillis(call.validForMillis()).toNanos();
            boolean fresh = given.filter(g -> g.leader().equals(call.leader()) && g.epoch() == call.epoch())
                    .isEmpty();
            given = Optional.of(new Confirmation(
                    call.leader(),
                    call.epoch(),
                    Math.max(until, given.map(Confirmation::untilNanos).orElse(0L))));
            if (fresh) {
                log.warn(
                        "confirmed {}'s failsafe call: ZooKeeper is unreachable from here too; not taking the lease "
                                + "while {} counts on it [epoch {}]",
                        call.leader(),
                        call.leader(),
                        call.epoch());
            }
        } else if (answer instanceof FailsafeRules.Answer.Refused refused) {
            log.info("refused {}'s failsafe call: {} [epoch {}]", call.leader(), refused.reason(), call.epoch());
        }
        return answer;
    }

    /** Why this member may not take the lease now because of a confirmation it gave, if it may not. */
    Optional<String> promiseReason() {
        long now = clock.nanoTime();
        return given.filter(g -> g.untilNanos() > now)
                .map(g -> "confirmed " + g.leader()
                        + "'s failsafe call for epoch " + g.epoch() + "; it counts on that for another "
                        + Duration.ofNanos(g.untilNanos() - now).toMillis() + " ms");
    }
}
