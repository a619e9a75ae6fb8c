package io.steward.ha;

import io.steward.guard.Guard;
import io.steward.guard.GuardProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What the HA loop needs of the machine beside the store and the engine: time, the fence guard, the network for
 * failsafe calls, and threads for the work that must not hold up the loop or its watchdog. {@link #system} is the real
 * one; tests pass a clock they move by hand, guards and calls they script, and executors that run on the caller's
 * thread.
 *
 * @param guards starts the fence guard: a process that fences the server should the agent die or hang
 * @param leaseProofs where the lease is proven while the loop's thread is busy with a long action
 * @param failsafeRounds where failsafe rounds call the members
 */
record LoopEnvironment(
        Clock clock,
        FenceGuards guards,
        FailsafeMode.Caller failsafeCalls,
        Executor leaseProofs,
        Executor failsafeRounds)
        implements AutoCloseable {
    /** How long each failsafe call may take: a round must end well within what it proves (a session timeout). */
    private static final Duration FAILSAFE_CALL_TIMEOUT = Duration.ofSeconds(1);

    /** Starts the fence guard, to run {@code fenceCommand} unless renewed within {@code deadline}. */
    @FunctionalInterface
    interface FenceGuards {
        /** @throws io.steward.guard.GuardException when the guard cannot start */
        Guard arm(List<String> fenceCommand, Duration deadline);
    }

    /**
     * The machine's clock, a guard process logging to {@code guardLog}, failsafe calls over HTTP with the cluster's
     * admin token, and a daemon thread each for lease proofs and failsafe rounds.
     */
    static LoopEnvironment system(Optional<String> clusterToken, Path guardLog) {
        return new LoopEnvironment(
                Clock.SYSTEM,
                (command, deadline) -> GuardProcess.arm("fence guard", command, deadline, guardLog),
                new FailsafeCalls(clusterToken, FAILSAFE_CALL_TIMEOUT),
                Executors.newSingleThreadExecutor(LoopThreads.named("lease-proof")),
                Executors.newSingleThreadExecutor(LoopThreads.named("failsafe")));
    }

    /** Stops the threads it owns. */
    @Override
    public void close() {
        for (Executor executor : List.of(leaseProofs, failsafeRounds)) {
            if (executor instanceof ExecutorService service) {
                service.shutdownNow();
            }
        }
    }
}
