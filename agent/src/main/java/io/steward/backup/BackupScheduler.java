package io.steward.backup;

import io.steward.config.RetentionClass;
import io.steward.coordination.ClusterView;
import io.steward.coordination.MemberInfo;
import io.steward.engine.EngineStatus;
import io.steward.engine.ManagedMembership;
import io.steward.engine.Role;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes scheduled backups (snapshot sets, dumps) and purges expired ones, on a thread of its own, on the one member
 * designated for it: the primary holding a provable lease, or with {@code on_replica} the first healthy streaming
 * replica by name (the primary when there is none). The HA loop tells it after every tick what it saw.
 */
public final class BackupScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackupScheduler.class);
    private static final Duration CHECK_INTERVAL = Duration.ofMinutes(1);
    /** Soon after start, once the HA loop has said who this member is. */
    private static final Duration FIRST_CHECK = Duration.ofSeconds(5);

    private static final Duration PURGE_INTERVAL = Duration.ofHours(1);
    private static final Duration AFTER_FAILURE = Duration.ofMinutes(10);

    /** What the last HA tick saw. */
    public record Observed(ClusterView view, EngineStatus status, boolean leaseProven) {}

    /** One kind of backup, as the schedule sees it. */
    public interface Job {
        /** What it takes, in log lines: "snapshot set", "dump". */
        String kind();

        /** The backups taken so far that count for the schedule. */
        List<SnapshotPolicy.Taken> taken();

        /** Takes one now, of the class that is due. */
        void take(RetentionClass due, Observed now);

        /** Deletes what has expired; returns how many. */
        int purge();
    }

    private final Job job;
    private final Optional<RetentionClass> schedule;
    private final boolean onReplica;
    private final String self;
    private final Clock clock;
    private final AtomicReference<Observed> observed = new AtomicReference<>();
    private final ScheduledExecutorService thread;
    private Instant nextPurge = Instant.MIN;
    private Instant notBefore = Instant.MIN;

    /**
     * @param schedule the shortest class taken on schedule; empty: on demand only (expired ones are still purged)
     * @param onReplica take them on the first healthy streaming replica rather than the primary
     */
    public BackupScheduler(Job job, Optional<RetentionClass> schedule, boolean onReplica, String self, Clock clock) {
        this.job = job;
        this.schedule = schedule;
        this.onReplica = onReplica;
        this.self = self;
        this.clock = clock;
        String threadName = job.kind().replace(' ', '-') + "-schedule";
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        thread.scheduleWithFixedDelay(
                this::check, FIRST_CHECK.toSeconds(), CHECK_INTERVAL.toSeconds(), TimeUnit.SECONDS);
    }

    /** From the HA loop, after every tick; returns at once. */
    public void observe(ClusterView view, EngineStatus status, boolean leaseProven) {
        observed.set(new Observed(view, status, leaseProven));
    }

    /** What the last tick saw, when this node runs its server as primary or replica; else empty. */
    public Optional<Observed> runningServer() {
        Observed now = observed.get();
        return now == null
                        || (now.status().role() != Role.PRIMARY && now.status().role() != Role.REPLICA)
                ? Optional.empty()
                : Optional.of(now);
    }

    private void check() {
        try {
            Observed now = observed.get();
            Instant time = clock.instant();
            if (now == null
                    || time.isBefore(notBefore)
                    || !designated(now.view(), self, now.status().role(), now.leaseProven(), onReplica)) {
                return;
            }
            if (schedule.isPresent()) {
                Optional<RetentionClass> due = SnapshotPolicy.dueAmong(time, job.taken(), schedule.get());
                if (due.isPresent()) {
                    log.info(
                            "scheduled {} {} is due [epoch {}]",
                            due.get().name().toLowerCase(Locale.ROOT),
                            job.kind(),
                            now.view().epoch());
                    job.take(due.get(), now);
                }
            }
            if (!time.isBefore(nextPurge)) {
                int purged = job.purge();
                nextPurge = time.plus(PURGE_INTERVAL);
                if (purged > 0) {
                    log.info("purged {} expired {}s", purged, job.kind());
                }
            }
        } catch (RuntimeException e) {
            notBefore = clock.instant().plus(AFTER_FAILURE);
            log.error("scheduled {} work failed: {}; trying again after {}", job.kind(), e.getMessage(), notBefore);
        }
    }

    /**
     * Whether this member takes the scheduled backups: the primary that provably holds the lease, or with
     * {@code onReplica} a healthy streaming replica (one kept for backups first, then the first by name), the
     * primary standing in when there is none.
     */
    static boolean designated(ClusterView view, String self, Role role, boolean leaseProven, boolean onReplica) {
        boolean provenPrimary = leaseProven && role == Role.PRIMARY;
        if (!onReplica) {
            return provenPrimary;
        }
        Optional<String> chosen = view.members().values().stream()
                .filter(member -> member.role() == Role.REPLICA
                        && member.healthy()
                        && member.upstream().isPresent())
                .min(Comparator.comparing((MemberInfo member) -> !ManagedMembership.PREFERRED_FOR_BACKUPS.equals(
                                member.tags().get(ManagedMembership.BACKUP_TAG)))
                        .thenComparing(MemberInfo::name))
                .map(MemberInfo::name);
        return chosen.map(self::equals).orElse(provenPrimary);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
