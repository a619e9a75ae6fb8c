package io.steward.ha;

import io.steward.coordination.ClusterStore;
import io.steward.coordination.CoordinationException;
import io.steward.coordination.Lease;
import io.steward.coordination.Synced;
import io.steward.metrics.AgentMetrics;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease's deadline kept beside the loop, every {@link WatchdogRules#PERIOD}, even while a tick is stuck in a long
 * action: renews the fence guard, proves the lease from a thread of its own when the loop is late, asks the members in
 * failsafe mode, makes the loop tick at once when the primary's process died, and fences the moment nothing lets the
 * server take writes any longer. What to do is {@link WatchdogRules}'.
 */
final class LeaseWatchdog {
    private static final Logger log = LoggerFactory.getLogger(LeaseWatchdog.class);

    private final HaLoop loop;
    private final LeaseGuard lease;
    private final LeaseActions actions;
    private final FailsafeMode failsafe;
    private final ClusterStore store;
    /** Whether the local server's process is there ({@link io.steward.engine.LeaseElected#serverProcessAlive()}). */
    private final BooleanSupplier serverProcessAlive;

    private final AgentMetrics metrics;
    private final Clock clock;
    /** Where the lease is proven: never the watchdog's thread, which must not block. */
    private final Executor proofs;

    private final AtomicBoolean proofRunning = new AtomicBoolean();

    LeaseWatchdog(
            HaLoop loop,
            LeaseGuard lease,
            LeaseActions actions,
            FailsafeMode failsafe,
            ClusterStore store,
            BooleanSupplier serverProcessAlive,
            AgentMetrics metrics,
            Clock clock,
            Executor proofs) {
        this.loop = loop;
        this.lease = lease;
        this.actions = actions;
        this.failsafe = failsafe;
        this.store = store;
        this.serverProcessAlive = serverProcessAlive;
        this.metrics = metrics;
        this.clock = clock;
        this.proofs = proofs;
    }

    /** One check. */
    void check() {
        try {
            Policy policy = loop.policy();
            WatchdogRules.Verdict verdict = lease.check(
                    policy.ha().loopWait(),
                    policy.ha().failsafeMode(),
                    loop.status().role());
            if (verdict.proveLease()) {
                proveSoon();
            }
            if (verdict.askFailsafe()) {
                failsafe.roundSoon(
                        loop.view(),
                        policy.self(),
                        lease.hold().epoch(),
                        store::negotiatedSessionTimeout,
                        policy.ha().loopWait());
            }
            if (verdict.checkProcess() && !serverProcessAlive.getAsBoolean()) {
                loop.tickSoon();
            }
            if (verdict.fence()) {
                metrics.leaseRenewalFailed();
                actions.fence(
                        "the lease could not be renewed in time", loop.view().epoch());
            }
        } catch (RuntimeException e) {
            log.error("lease watchdog failed: {}", e.toString(), e);
        }
    }

    private void proveSoon() {
        if (!proofRunning.compareAndSet(false, true)) {
            return;
        }
        try {
            proofs.execute(() -> {
                try {
                    prove();
                } finally {
                    proofRunning.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            proofRunning.set(false); // stopping
        }
    }

    /** What a tick's read proves about the lease, without the tick; nothing when ZooKeeper does not answer. */
    private void prove() {
        Policy policy = loop.policy();
        Synced<Optional<Lease>> proof;
        try {
            proof = store.proveLease(HaLoop.syncTimeout(policy));
        } catch (CoordinationException e) {
            return; // the watchdog fences at the deadline
        }
        lease.update(hold -> hold.afterProof(proof, policy.self(), clock.nanoTime()));
    }
}
