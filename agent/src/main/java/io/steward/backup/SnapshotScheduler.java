package io.steward.backup;

import io.steward.config.RetentionClass;
import io.steward.config.SnapshotConfig;
import io.steward.coordination.ClusterView;
import io.steward.coordination.MemberInfo;
import io.steward.engine.EngineStatus;
import io.steward.engine.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

/**
 * Takes the scheduled snapshot sets and purges expired ones, on a thread of its own, on the one member designated
 * for it: the primary holding a provable lease, or with {@code on_replica} the first healthy streaming replica by
 * name (the primary when there is none). The HA loop tells it after every tick what it saw.
 */
public final class SnapshotScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SnapshotScheduler.class);
    private static final Duration CHECK_INTERVAL = Duration.ofMinutes(1);
    /** Soon after start, once the HA loop has said who this member is. */
    private static final Duration FIRST_CHECK = Duration.ofSeconds(5);
    private static final Duration PURGE_INTERVAL = Duration.ofHours(1);
    private static final Duration AFTER_FAILURE = Duration.ofMinutes(10);

    /** What the last HA tick saw. */
    private record Observed(ClusterView view, EngineStatus status, boolean leaseProven) {
    }

    private final SnapshotConfig config;
    private final SnapshotSets sets;
    private final SnapshotCatalog catalog;
    private final WalPurge walPurge;
    private final String cluster;
    private final String self;
    private final String availabilityZone;
    private final Clock clock;
    private final AtomicReference<Observed> observed = new AtomicReference<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread t = new Thread(runnable, "snapshot-schedule");
        t.setDaemon(true);
        return t;
    });
    private Instant nextPurge = Instant.MIN;
    private Instant notBefore = Instant.MIN;

    public SnapshotScheduler(SnapshotConfig config, SnapshotSets sets, SnapshotCatalog catalog, WalPurge walPurge,
                             String cluster, String self, String availabilityZone, Clock clock) {
        this.config = config;
        this.sets = sets;
        this.catalog = catalog;
        this.walPurge = walPurge;
        this.cluster = cluster;
        this.self = self;
        this.availabilityZone = availabilityZone;
        this.clock = clock;
    }

    public void start() {
        thread.scheduleWithFixedDelay(this::check, FIRST_CHECK.toSeconds(), CHECK_INTERVAL.toSeconds(), TimeUnit.SECONDS);
    }

    /** From the HA loop, after every tick; returns at once. */
    public void observe(ClusterView view, EngineStatus status, boolean leaseProven) {
        observed.set(new Observed(view, status, leaseProven));
    }

    /** Takes a set on this node now, whatever the schedule says (POST /snapshot, {@code steward snapshot}). */
    public SnapshotSet takeNow(RetentionClass retention) {
        return sets.take(retention, taker().orElseThrow(() ->
                new SnapshotException("the database server on this node is not running as primary or replica")));
    }

    public List<SnapshotSet> catalog() {
        return catalog.list();
    }

    private Optional<SnapshotSets.Taker> taker() {
        Observed now = observed.get();
        if (now == null || (now.status().role() != Role.PRIMARY && now.status().role() != Role.REPLICA)) {
            return Optional.empty();
        }
        return Optional.of(new SnapshotSets.Taker(cluster, self, now.status().role().name().toLowerCase(Locale.ROOT),
                now.view().epoch(), availabilityZone));
    }

    private void check() {
        try {
            Observed now = observed.get();
            Instant time = clock.instant();
            if (now == null || time.isBefore(notBefore)
                    || !designated(now.view(), self, now.status().role(), now.leaseProven(), config.onReplica())) {
                return;
            }
            if (config.schedule().isPresent()) {
                Optional<RetentionClass> due = SnapshotPolicy.due(time, catalog.list(), config.schedule().get());
                if (due.isPresent()) {
                    log.info("scheduled {} snapshot set is due [epoch {}]", due.get().name().toLowerCase(Locale.ROOT),
                            now.view().epoch());
                    takeNow(due.get());
                }
            }
            if (!time.isBefore(nextPurge)) {
                List<String> purged = sets.purge(walPurge);
                nextPurge = time.plus(PURGE_INTERVAL);
                if (!purged.isEmpty()) {
                    log.info("purged {} expired snapshot sets", purged.size());
                }
            }
        } catch (RuntimeException e) {
            notBefore = clock.instant().plus(AFTER_FAILURE);
            log.error("scheduled snapshot work failed: {}; trying again after {}", e.getMessage(), notBefore);
        }
    }

    /**
     * Whether this member takes the scheduled sets: the primary that provably holds the lease, or with
     * {@code onReplica} the first healthy streaming replica by name, the primary standing in when there is none.
     */
    static boolean designated(ClusterView view, String self, Role role, boolean leaseProven, boolean onReplica) {
        boolean provenPrimary = leaseProven && role == Role.PRIMARY;
        if (!onReplica) {
            return provenPrimary;
        }
        Optional<String> chosen = view.members().values().stream()
                .filter(member -> member.role() == Role.REPLICA && member.healthy() && member.upstream().isPresent())
                .map(MemberInfo::name).min(Comparator.naturalOrder());
        return chosen.map(self::equals).orElse(provenPrimary);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
