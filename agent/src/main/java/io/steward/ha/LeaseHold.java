package io.steward.ha;

import io.steward.config.HaConfig;
import io.steward.coordination.Lease;
import io.steward.coordination.Synced;
import java.time.Duration;
import java.util.Optional;

/**
 * What this node knows of its hold on the lease, pure: whether it holds it, of which epoch, until when nobody else can
 * have it ({@link Clock#nanoTime()}), and when a read after a sync last proved it. Each change is a new value.
 *
 * @param held whether the lease belongs to this agent's current session, as last read
 * @param epoch the epoch of the lease held (meaningless when not held)
 * @param validUntilNanos until when the lease cannot have passed to another node, less the time a fence takes; 0 when
 *        not held
 * @param lastProofNanos when a read after a sync last showed the lease ours
 */
record LeaseHold(boolean held, long epoch, long validUntilNanos, long lastProofNanos) {

    /** Before any lease. */
    static final LeaseHold NONE = new LeaseHold(false, 0, 0, 0);

    /** A read after a sync showed the lease of {@code epoch} ours: it stays ours until the proof's deadline. */
    LeaseHold proven(long epoch, Synced<?> proof, long now) {
        return new LeaseHold(true, epoch, Math.max(validUntilNanos, deadline(proof)), now);
    }

    /** This node took the lease: ours until the write that took it proves the session alive, and no longer. */
    static LeaseHold taken(Synced<Lease> lease, long now) {
        return new LeaseHold(true, lease.value().epoch(), Math.max(0, deadline(lease)), now);
    }

    /**
     * A proof of the lease taken between ticks: extends the hold only if it shows the very lease held (this node, this
     * session, this epoch); anything else waits for the next tick to say.
     */
    LeaseHold afterProof(Synced<Optional<Lease>> proof, String self, long now) {
        boolean same = held
                && proof.value()
                        .filter(lease -> LeaseReading.mine(lease, self, proof.sessionId()) && lease.epoch() == epoch)
                        .isPresent();
        return same ? proven(epoch, proof, now) : this;
    }

    /** The lease is not, or no longer, this node's. */
    LeaseHold lost() {
        return new LeaseHold(false, epoch, 0, lastProofNanos);
    }

    /** Whether the lease is this node's and provably so at {@code now}. */
    boolean validAt(long now) {
        return held && now < validUntilNanos;
    }

    /** Whether nothing proved the lease for longer than a tick and a half. */
    boolean proofOverdue(long now, Duration loopWait) {
        return now - lastProofNanos > loopWait.multipliedBy(3).dividedBy(2).toNanos();
    }

    /** Until when the local server may take writes: its lease, or its members' failsafe confirmations. */
    long writableUntil(long failsafeConfirmedUntilNanos) {
        return Math.max(validUntilNanos, failsafeConfirmedUntilNanos);
    }

    /**
     * Until when a proof keeps the lease, less the fence's allowance; a proof of nothing ({@link Long#MIN_VALUE}: the
     * session changed under it) stays nothing rather than wrapping round to the far future.
     */
    private static long deadline(Synced<?> proof) {
        long allowance = HaConfig.FENCE_ALLOWANCE.toNanos();
        long aliveUntil = proof.sessionAliveUntilNanos();
        return aliveUntil < Long.MIN_VALUE + allowance ? Long.MIN_VALUE : aliveUntil - allowance;
    }
}
