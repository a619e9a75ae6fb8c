package io.steward.backup;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.steward.coordination.ClusterStore;
import io.steward.coordination.ClusterView;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.NativeBackup;
import io.steward.engine.NativeBackup.Schedule;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an engine's native backup on its schedule, from exactly one member of the cluster: the holder of a ZooKeeper
 * election that a member joins while its server is healthy and leaves while it is not. Each period's backup has a
 * name made from the period's start ({@code scheduled-20261202-031400}), so that a new holder does not take again a
 * period its predecessor took, and a period is never taken twice: the database refuses a second backup under a name
 * it has.
 * After each backup the retention rules ({@link #expired}) delete what they no longer keep; backups taken on demand
 * ({@code manual-...}) are never expired.
 *
 * <p>The HA loop only offers what it saw; the backup runs on a thread of its own.
 */
public final class NativeBackupScheduler implements AutoCloseable {
    public static final String SCHEDULED_PREFIX = "scheduled-";
    public static final String MANUAL_PREFIX = "manual-";
    private static final Logger log = LoggerFactory.getLogger(NativeBackupScheduler.class);
    private static final DateTimeFormatter NAME_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final NativeBackup backup;
    private final Schedule schedule;
    private final Supplier<ClusterStore.Designation> joinElection;
    private final Counter taken;
    private final Counter failures;
    private final Counter expiredCount;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread t = new Thread(runnable, "native-backup");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean running = new AtomicBoolean();
    /** Held while this member's server is healthy; touched on the HA loop's thread only. */
    private ClusterStore.Designation designation;
    // only touched on the backup thread
    private long lastPeriodTaken = -1;
    private String lastFailure = "";

    /** @param joinElection joins the election of the member that runs the schedule (left by closing what it returns) */
    public NativeBackupScheduler(
            NativeBackup backup,
            Schedule schedule,
            Supplier<ClusterStore.Designation> joinElection,
            MetricRegistry registry) {
        this.backup = backup;
        this.schedule = schedule;
        this.joinElection = joinElection;
        this.taken = registry.counter("steward_backup_taken");
        this.failures = registry.counter("steward_backup_failures");
        this.expiredCount = registry.counter("steward_backup_expired");
    }

    /** Tick listener: when this member is the designated one and a period has begun without its backup, takes it. */
    public void observe(ClusterView view, EngineStatus status, boolean leaseProven) {
        boolean healthy = status.running() && status.problem().isEmpty();
        if (healthy && designation == null) {
            designation = joinElection.get();
        } else if (!healthy && designation != null) {
            log.info(
                    "leaving the election for the backup schedule: the local server is not healthy ({})",
                    status.problem().orElse("stopped"));
            designation.close();
            designation = null;
        }
        if (designation == null || !designation.held()) {
            return;
        }
        long period = period(Instant.now());
        if (period == lastPeriodTaken || !running.compareAndSet(false, true)) {
            return;
        }
        try {
            thread.execute(() -> {
                try {
                    round(period);
                } finally {
                    running.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            running.set(false); // closing
        }
    }

    /** A name for an on-demand backup taken now. */
    public static String manualName(Instant now) {
        return MANUAL_PREFIX + NAME_TIME.format(now) + "-" + String.format("%03d", now.getNano() / 1_000_000);
    }

    private void round(long period) {
        String name = SCHEDULED_PREFIX
                + NAME_TIME.format(
                        Instant.ofEpochMilli(period * schedule.every().toMillis()));
        try {
            backup.prepare();
            List<NativeBackup.Record> existing = backup.list();
            if (existing.stream().noneMatch(r -> r.name().equals(name))) {
                NativeBackup.Record record = backup.take(name);
                taken.inc();
                log.info(
                        "scheduled backup {} taken: {} ({} indices)",
                        name,
                        record.state(),
                        record.indices().size());
                existing = backup.list();
            }
            lastPeriodTaken = period;
            for (NativeBackup.Record old : expired(existing, Instant.now(), schedule)) {
                backup.delete(old.name());
                expiredCount.inc();
                log.info(
                        "backup {} of {} expired (retention: expire_after {}, min_count {}, max_count {})",
                        old.name(),
                        old.startedAt(),
                        schedule.expireAfter().map(Object::toString).orElse("none"),
                        schedule.minCount(),
                        schedule.maxCount());
            }
            lastFailure = "";
        } catch (EngineException e) {
            failures.inc();
            if (!e.getMessage().equals(lastFailure)) {
                log.error("scheduled backup {} failed: {}; trying again at the next tick", name, e.getMessage());
            }
            lastFailure = e.getMessage();
        }
    }

    private long period(Instant now) {
        return now.toEpochMilli() / schedule.every().toMillis();
    }

    /**
     * Which scheduled backups the retention rules delete: of those that succeeded, newest first, the first
     * {@code minCount} stay; from {@code maxCount} on they go; in between they go once older than {@code expireAfter}.
     * Backups that did not succeed, and those not taken by the schedule, are not counted and not touched.
     */
    public static List<NativeBackup.Record> expired(List<NativeBackup.Record> backups, Instant now, Schedule schedule) {
        List<NativeBackup.Record> newestFirst = backups.stream()
                .filter(r -> r.name().startsWith(SCHEDULED_PREFIX) && r.succeeded())
                .sorted(Comparator.comparing(NativeBackup.Record::startedAt).reversed())
                .toList();
        List<NativeBackup.Record> expired = new ArrayList<>();
        for (int i = schedule.minCount(); i < newestFirst.size(); i++) {
            NativeBackup.Record record = newestFirst.get(i);
            boolean tooMany = i >= schedule.maxCount();
            boolean tooOld = schedule.expireAfter()
                    .filter(age -> record.startedAt().plus(age).isBefore(now))
                    .isPresent();
            if (tooMany || tooOld) {
                expired.add(record);
            }
        }
        return expired;
    }

    /** Stops the schedule and leaves the election; call before the cluster store closes. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ClusterStore.Designation held = designation;
        if (held != null) {
            held.close();
        }
    }
}
