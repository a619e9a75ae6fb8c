package io.steward.storage;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.steward.guard.GuardProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Freezes filesystems with {@code fsfreeze} around an action and never leaves one frozen (safety rule 5). A frozen
 * filesystem stalls every writer on it, in uninterruptible sleep, so the thaw is guaranteed three times over: in
 * {@code finally}; by a watchdog thread after {@code freeze_timeout} even if the action hangs; and by a guard process
 * outside the JVM that thaws when the timeout passes or the agent dies.
 *
 * <p>It refuses to freeze {@code /} and any filesystem holding a protected path (the agent's temporary files and
 * logs): the agent would then block on its own writes, with nobody left to thaw.
 */
public final class FilesystemFreezer implements Freezer, AutoCloseable {
    public static final String FROZEN = "steward_freeze_duration";
    public static final String WATCHDOG_THAWS = "steward_freeze_watchdog_thaws";

    private static final Logger log = LoggerFactory.getLogger(FilesystemFreezer.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final Duration freezeTimeout;
    private final List<Path> protectedPaths;
    private final Path guardLog;
    private final Timer frozen;
    private final Counter watchdogThaws;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "freeze-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param protectedPaths paths whose filesystems must never be frozen (besides {@code /})
     * @param guardLog where the thaw guard process writes what it did
     */
    public FilesystemFreezer(
            Duration freezeTimeout, List<Path> protectedPaths, Path guardLog, MetricRegistry registry) {
        this.freezeTimeout = freezeTimeout;
        this.protectedPaths = List.copyOf(protectedPaths);
        this.guardLog = guardLog;
        this.frozen = registry.timer(FROZEN);
        this.watchdogThaws = registry.counter(WATCHDOG_THAWS);
    }

    /** One freeze: which filesystems are frozen right now, thawed once only. */
    private final class Session {
        private final List<Path> frozenMounts = new ArrayList<>();
        private final long startedNanos = System.nanoTime();
        private long thawedNanos;
        private boolean thawed;
        private boolean thawFailed;

        synchronized void freeze(Path mountPoint) {
            Fsfreeze.freeze(mountPoint, COMMAND_TIMEOUT);
            frozenMounts.add(mountPoint);
        }

        /** @return whether this call thawed (false when it was thawed already) */
        synchronized boolean thaw(String reason) {
            if (thawed) {
                return false;
            }
            thawed = true;
            List<String> failures = new ArrayList<>();
            List<Path> lastFirst = new ArrayList<>(frozenMounts);
            Collections.reverse(lastFirst);
            for (Path mountPoint : lastFirst) {
                try {
                    Fsfreeze.thaw(mountPoint, COMMAND_TIMEOUT);
                } catch (StorageException e) {
                    failures.add(e.getMessage());
                }
            }
            thawedNanos = System.nanoTime();
            log.info(
                    "thawed {} after {} ms ({})",
                    frozenMounts,
                    Duration.ofNanos(thawedNanos - startedNanos).toMillis(),
                    reason);
            if (!failures.isEmpty()) {
                thawFailed = true;
                log.error("THAW FAILED for {}: {}; the thaw guard tries again at its deadline", frozenMounts, failures);
            }
            return true;
        }

        /** Counted under the session's lock, so whoever learns that the watchdog thawed also sees it counted. */
        synchronized void thawByWatchdog() {
            if (thaw("watchdog: frozen longer than " + freezeTimeout.toMillis() + " ms")) {
                watchdogThaws.inc();
            }
        }

        synchronized boolean thawFailed() {
            return thawFailed;
        }

        synchronized Duration frozenFor() {
            return Duration.ofNanos((thawed ? thawedNanos : System.nanoTime()) - startedNanos);
        }
    }

    @Override
    public <T> Frozen<T> whileFrozen(List<Path> mountPoints, Callable<T> action) throws Exception {
        List<Path> targets = checked(mountPoints);
        List<String> thawAll =
                new ArrayList<>(List.of("sh", "-c", "for m in \"$@\"; do fsfreeze -u \"$m\"; done", "thaw"));
        targets.forEach(mountPoint -> thawAll.add(mountPoint.toString()));
        Session session = new Session();
        GuardProcess guard = GuardProcess.arm("thaw guard", thawAll, freezeTimeout, guardLog);
        ScheduledFuture<?> timer =
                watchdog.schedule(session::thawByWatchdog, freezeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            log.info("freezing {} (at most {} ms)", targets, freezeTimeout.toMillis());
            for (Path mountPoint : targets) {
                session.freeze(mountPoint);
            }
            T value = action.call();
            if (!session.thaw("done")) {
                throw new StorageException(
                        "the action took longer than freeze_timeout (" + freezeTimeout.toMillis()
                                + " ms): the filesystems were thawed before it finished, so what it did is not covered by the freeze");
            }
            return new Frozen<>(value, session.frozenFor());
        } catch (Exception | Error e) {
            session.thaw("failed: " + e.getMessage());
            throw e;
        } finally {
            timer.cancel(false);
            frozen.update(session.frozenFor());
            if (!session.thawFailed()) {
                guard.close();
            }
        }
    }

    /** Mount points in a stable order, each one a mount point and none holding / or a protected path. */
    private List<Path> checked(List<Path> mountPoints) throws IOException {
        if (mountPoints.isEmpty()) {
            throw new StorageException("nothing to freeze");
        }
        List<Mounts.Mount> mounts = Mounts.read();
        Set<Path> forbidden = new TreeSet<>();
        forbidden.add(Path.of("/"));
        for (Path path : protectedPaths) {
            forbidden.add(Mounts.holding(mounts, path).mountPoint());
        }
        Set<Path> sorted = new TreeSet<>();
        for (Path mountPoint : mountPoints) {
            Path normal = mountPoint.toAbsolutePath().normalize();
            if (mounts.stream().noneMatch(mount -> mount.mountPoint().equals(normal))) {
                throw new StorageException(normal + " is not a mount point; only whole filesystems can be frozen");
            }
            if (forbidden.contains(normal)) {
                throw new StorageException("refusing to freeze " + normal + ": it holds / or the agent's own files "
                        + protectedPaths + ", and the agent would block on its own writes");
            }
            sorted.add(normal);
        }
        return List.copyOf(sorted);
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
