package io.steward.ha;

import io.steward.engine.Role;
import io.steward.guard.Guard;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Keeps the local server from taking writes for longer than it may. Holds what this node knows of its lease
 * ({@link LeaseHold}) and, while the server may be taking writes under it, a fence guard process that fences it should
 * this agent die or hang; the watchdog's {@link #check} renews that guard and says when to fence. The loop's thread,
 * the watchdog's and the lease proofs' all go through here, one at a time.
 */
final class LeaseGuard {
    private final Object lock = new Object();
    private final Clock clock;
    private final LoopEnvironment.FenceGuards guards;
    private final Supplier<List<String>> fenceCommand;
    private final LongSupplier failsafeConfirmedUntil;
    private volatile LeaseHold hold = LeaseHold.NONE;
    private Guard guard;
    /**
     * Whether the local server may be taking writes under this node's lease, so that the watchdog must stop it once
     * the lease can no longer be proven: set before any action that makes it primary, whether or not a guard process
     * could be started, and cleared only once it is known to have stopped being one.
     */
    private volatile boolean guarding;

    /**
     * @param fenceCommand what the guard runs, asked each time it starts
     * @param failsafeConfirmedUntil until when the members' failsafe confirmations let the server take writes
     */
    LeaseGuard(
            Clock clock,
            LoopEnvironment.FenceGuards guards,
            Supplier<List<String>> fenceCommand,
            LongSupplier failsafeConfirmedUntil) {
        this.clock = clock;
        this.guards = guards;
        this.fenceCommand = fenceCommand;
        this.failsafeConfirmedUntil = failsafeConfirmedUntil;
    }

    LeaseHold hold() {
        return hold;
    }

    /** Applies what a read, a proof, a take or a release says of the lease. */
    LeaseHold update(UnaryOperator<LeaseHold> change) {
        synchronized (lock) {
            hold = change.apply(hold);
            return hold;
        }
    }

    /**
     * Before the local server becomes (or while it stays) the primary: the watchdog guards the lease from now on, and a
     * guard process fences the server should this agent die or hang.
     *
     * @throws io.steward.guard.GuardException when the guard process cannot start: the server must then not be (or
     *         stay) primary
     */
    void arm() {
        synchronized (lock) {
            guarding = true;
            if (guard == null || !guard.alive()) {
                guard = null;
                guard = guards.arm(fenceCommand.get(), remaining());
            }
        }
    }

    /** The server no longer takes writes: nothing to guard. */
    void disarm() {
        synchronized (lock) {
            guarding = false;
            if (guard != null) {
                guard.close();
                guard = null;
            }
        }
    }

    /** Promises the guard process the time left, after a tick that may have extended it. */
    void renew() {
        synchronized (lock) {
            if (guard != null) {
                guard.renew(remaining());
            }
        }
    }

    /**
     * One watchdog check: renews the guard while the server may take writes, and says what else to do. Waits on
     * nothing remote (not even Curator's handle, which blocks while it reconnects): the guard must be renewed, or the
     * server fenced, on time.
     */
    WatchdogRules.Verdict check(Duration loopWait, boolean failsafeMode, Role role) {
        synchronized (lock) {
            long now = clock.nanoTime();
            WatchdogRules.Verdict verdict = WatchdogRules.check(
                    guarding,
                    writableUntil() - now,
                    loopWait,
                    failsafeMode,
                    hold.held(),
                    role,
                    hold.proofOverdue(now, loopWait));
            if (verdict.renewGuard() && guard != null) {
                guard.renew(remaining());
            }
            return verdict;
        }
    }

    /** Until when the server may take writes ({@link Clock#nanoTime()}): its lease, or its members' confirmations. */
    long writableUntil() {
        return hold.writableUntil(failsafeConfirmedUntil.getAsLong());
    }

    private Duration remaining() {
        return Duration.ofNanos(Math.max(0, writableUntil() - clock.nanoTime()));
    }
}
