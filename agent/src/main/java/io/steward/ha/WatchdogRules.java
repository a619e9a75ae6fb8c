package io.steward.ha;

import io.steward.engine.Role;
import java.time.Duration;

/**
 * What the lease watchdog does on each of its checks, every {@link #PERIOD} beside the loop, pure. It fences the local
 * primary the moment nothing lets it take writes any longer, even while a tick is stuck in a long action.
 */
final class WatchdogRules {
    static final Duration PERIOD = Duration.ofMillis(100);

    private WatchdogRules() {}

    /**
     * @param renewGuard promise the fence guard the time left
     * @param proveLease the loop is late (a long initdb, start or promotion, or a slow ZooKeeper): prove the lease from
     *        another thread, so that the deadline still fences on time should ZooKeeper not answer
     * @param askFailsafe ZooKeeper has not proven the lease for a tick and a half: ask the members while the lease lasts
     * @param checkProcess see whether the primary's server process died, so that the loop ticks at once if it did
     * @param fence nothing lets the server take writes any longer: fence it now
     */
    record Verdict(boolean renewGuard, boolean proveLease, boolean askFailsafe, boolean checkProcess, boolean fence) {
        static final Verdict NOTHING = new Verdict(false, false, false, false, false);
    }

    /**
     * @param guarding whether the local server may be taking writes under this node's lease
     * @param remainingNanos how long it may still take writes: until its lease or its failsafe confirmations run out
     * @param failsafeMode whether failsafe mode is on
     * @param holdsLease whether this node holds the lease, as last read
     * @param role the local server's role, as last probed
     * @param proofOverdue whether nothing proved the lease for a tick and a half
     */
    static Verdict check(
            boolean guarding,
            long remainingNanos,
            Duration loopWait,
            boolean failsafeMode,
            boolean holdsLease,
            Role role,
            boolean proofOverdue) {
        if (!guarding) {
            return Verdict.NOTHING;
        }
        boolean left = remainingNanos > 0;
        return new Verdict(
                left,
                remainingNanos < loopWait.plus(PERIOD).toNanos(),
                failsafeMode && holdsLease && role == Role.PRIMARY && proofOverdue,
                left && role == Role.PRIMARY,
                !left);
    }
}
