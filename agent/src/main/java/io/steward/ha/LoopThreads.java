package io.steward.ha;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The loop's two threads: one runs ticks, every {@code loop_wait} and at once when asked; the other runs the lease
 * watchdog every {@link WatchdogRules#PERIOD}, so that a stuck tick never delays a fence. Threads start only with
 * {@link #start}: a loop that is never started (a test calling its tick) has none.
 */
final class LoopThreads {
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(named("ha-loop"));
    private final ScheduledExecutorService watchdog =
            Executors.newSingleThreadScheduledExecutor(named("lease-watchdog"));
    private final AtomicBoolean tickPending = new AtomicBoolean();
    private Runnable tick = () -> {};
    private Supplier<Duration> interval = () -> Duration.ZERO;
    /** Store events may arrive while the agent is still being wired (seeder, API address): no tick before start. */
    private volatile boolean started;

    private volatile boolean stopping;

    /** Runs {@code tick} now and then every {@code interval} (asked afresh each time), and {@code watch} beside it. */
    void start(Runnable tick, Supplier<Duration> interval, Runnable watch) {
        this.tick = tick;
        this.interval = interval;
        started = true;
        ticks.execute(this::periodicTick);
        long period = WatchdogRules.PERIOD.toMillis();
        watchdog.scheduleWithFixedDelay(watch, period, period, TimeUnit.MILLISECONDS);
    }

    /** A tick as soon as the loop's thread is free, unless one is pending already. */
    void tickSoon() {
        if (started && !stopping && tickPending.compareAndSet(false, true)) {
            try {
                ticks.execute(this::runTick);
            } catch (RejectedExecutionException e) {
                // stopping: the loop is over
            }
        }
    }

    boolean stopping() {
        return stopping;
    }

    /** No more ticks: waits (up to a minute) for the one under way. */
    void stopTicks() {
        stopping = true;
        ticks.shutdown();
        try {
            ticks.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void stopWatchdog() {
        watchdog.shutdownNow();
    }

    private void periodicTick() {
        runTick();
        try {
            if (!stopping) {
                ticks.schedule(this::periodicTick, interval.get().toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (RejectedExecutionException e) {
            // stopping: the loop is over
        }
    }

    private void runTick() {
        tickPending.set(false);
        if (!stopping) {
            tick.run();
        }
    }

    static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
