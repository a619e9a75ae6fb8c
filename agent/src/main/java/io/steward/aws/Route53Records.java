package io.steward.aws;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.steward.config.Route53Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the cluster's Route 53 records in line with what the HA loop last saw, on a thread of its own: the loop only
 * hands over a {@link RecordIntent} and never waits for Route 53.
 *
 * <p>The primary record goes first, since clients are waiting for it; then the reader set, then this member's own
 * record. An intent already carried out is not repeated, except once every {@code recheck} period, when the records
 * are read again and repaired if someone changed them. A failure is retried after a back-off, with whatever intent
 * is newest by then.
 */
public final class Route53Records implements AutoCloseable {
    public static final String CHANGES = "steward_route53_changes";
    public static final String FAILURES = "steward_route53_failures";

    private static final Logger log = LoggerFactory.getLogger(Route53Records.class);
    private static final Duration RECHECK = Duration.ofMinutes(1);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(2);
    private static final Duration LAST_RETRY = Duration.ofMinutes(1);
    private static final Duration REMOVAL_TIMEOUT = Duration.ofSeconds(30);
    /**
     * How long an entry must point at no member ZooKeeper knows before it is removed: a member that has just joined may
     * write its entry before the cleaning member's view shows it.
     */
    static final Duration ORPHAN_GRACE = Duration.ofSeconds(10);

    private final Route53Config config;
    private final Route53Publisher publisher;
    private final String self;
    private final String weightedIdentifier;
    private final LeaseCheck lease;
    /** Whether this member is the one that removes entries left by members whose agent died with their node. */
    private final BooleanSupplier cleansOrphans;

    private final Counter changes;
    private final Counter failures;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread t = new Thread(runnable, "route53");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<RecordIntent> wanted = new AtomicReference<>();
    private final AtomicBoolean runPending = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    // only touched on the route53 thread
    private RecordIntent applied;
    private long recheckAtNanos;
    private long retryAtNanos;
    private Duration retryDelay = FIRST_RETRY;
    private boolean failing;
    /** Set identifier of an orphaned weighted entry -> when it was first seen orphaned. */
    private final Map<String, Long> orphanedSinceNanos = new HashMap<>();

    public Route53Records(
            Route53Config config, Route53Publisher publisher, String self, LeaseCheck lease, MetricRegistry registry) {
        this(config, publisher, self, self, lease, () -> false, registry);
    }

    /**
     * @param weightedIdentifier the set identifier of this member's entry in the weighted record: its EC2 instance id
     *        as in the book, which stays unique when a replacement node reuses a member name
     * @param cleansOrphans whether this member, right now, is the one (of all members) that removes weighted entries
     *        pointing at no member ZooKeeper knows
     */
    public Route53Records(
            Route53Config config,
            Route53Publisher publisher,
            String self,
            String weightedIdentifier,
            LeaseCheck lease,
            BooleanSupplier cleansOrphans,
            MetricRegistry registry) {
        this.config = config;
        this.cleansOrphans = cleansOrphans;
        this.publisher = publisher;
        this.self = self;
        this.weightedIdentifier = weightedIdentifier;
        this.lease = lease;
        this.changes = registry.counter(CHANGES);
        this.failures = registry.counter(FAILURES);
    }

    /** Takes the newest intent; returns at once. */
    public void offer(RecordIntent intent) {
        wanted.set(intent);
        if (runPending.compareAndSet(false, true)) {
            try {
                thread.execute(this::reconcile);
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    private void reconcile() {
        runPending.set(false);
        RecordIntent intent = wanted.get();
        long now = System.nanoTime();
        if (now < retryAtNanos || (intent.equals(applied) && now < recheckAtNanos)) {
            return;
        }
        try {
            boolean complete = apply(intent);
            if (failing) {
                log.info("Route 53 records are in line again");
            }
            failing = false;
            retryDelay = FIRST_RETRY;
            retryAtNanos = 0;
            // A deposed attempt changed nothing; the next intent (a replica's, then) decides what is left to do.
            applied = complete ? intent : null;
            recheckAtNanos = System.nanoTime() + RECHECK.toNanos();
        } catch (Route53PublishException e) {
            failures.inc();
            if (!failing) {
                log.warn(
                        "Route 53 records not updated: {}; trying again in {} s",
                        e.getMessage(),
                        retryDelay.toSeconds());
            }
            failing = true;
            applied = null;
            retryAtNanos = System.nanoTime() + retryDelay.toNanos();
            scheduleRetry(retryDelay);
            retryDelay = retryDelay.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : retryDelay.multipliedBy(2);
        }
    }

    /**
     * Brings each record set the intent names in line, one after the other, each on its own: a change Route 53 refuses
     * (an IAM condition, a bad value, a throttle that outlasted the retries) delays only its own record, never the
     * others, the dead members' weighted entries among them.
     *
     * @return whether every record the intent names is now as wanted (false when the lease moved on meanwhile)
     * @throws Route53PublishException when any record set could not be changed, naming each; the others were applied
     */
    private boolean apply(RecordIntent intent) {
        RecordSetSteps steps = new RecordSetSteps();
        if (intent.primary().isPresent() && !config.primaryRecord().isEmpty()) {
            Optional<Boolean> primary = steps.run(
                    "the primary record " + config.primaryRecord(),
                    () -> count(publisher.publishPrimary(
                            config.primaryRecord(), intent.primary().get(), lease)));
            // deposed: the lease moved on, and the reader record is the next holder's to write
            if (config.readerRecord().isPresent() && primary.orElse(true)) {
                steps.run(
                        "the reader record " + config.readerRecord().get(),
                        () -> count(
                                publisher.publishReaders(config.readerRecord().get(), intent.readers(), lease)));
            }
        }
        Optional<String> ownRecord = config.memberRecord(self);
        if (ownRecord.isPresent() && intent.self().isPresent()) {
            steps.run(
                    "this member's record " + ownRecord.get(),
                    () -> count(publisher.publishMemberRecord(
                            ownRecord.get(), intent.self().get())));
        }
        if (config.weightedRecord().isPresent()) {
            String weighted = config.weightedRecord().get();
            steps.run(
                    "this member's entry in " + weighted,
                    () -> count(publisher.publishWeightedEntry(
                            weighted, weightedIdentifier, intent.weighted(), config.weight())));
            if (cleansOrphans.getAsBoolean()) {
                steps.run("the dead members' entries in " + weighted, () -> removeOrphans(weighted, intent));
            } else {
                orphanedSinceNanos.clear();
            }
        }
        return steps.finish();
    }

    /** Record-set changes run one by one; the failures of some are reported together once all have had their turn. */
    private static final class RecordSetSteps {
        private final List<String> failed = new ArrayList<>();
        private boolean complete = true;

        /** @return whether the step completed, empty when Route 53 refused it */
        Optional<Boolean> run(String what, BooleanSupplier step) {
            try {
                boolean done = step.getAsBoolean();
                complete &= done;
                return Optional.of(done);
            } catch (Route53PublishException e) {
                failed.add(what + ": " + e.getMessage());
                return Optional.empty();
            }
        }

        boolean finish() {
            if (!failed.isEmpty()) {
                throw new Route53PublishException(String.join("; ", failed));
            }
            return complete;
        }
    }

    /**
     * Removes the weighted entries that have pointed at no member ZooKeeper knows for {@link #ORPHAN_GRACE}.
     *
     * @return whether nothing is left waiting for its grace to pass (else a run is scheduled for when it has)
     */
    private boolean removeOrphans(String recordName, RecordIntent intent) {
        Set<String> orphans = publisher.orphanedWeightedEntries(recordName, weightedIdentifier, intent.live());
        orphanedSinceNanos.keySet().retainAll(orphans);
        long now = System.nanoTime();
        orphans.forEach(orphan -> orphanedSinceNanos.putIfAbsent(orphan, now));
        Set<String> due = new TreeSet<>();
        orphanedSinceNanos.forEach((orphan, since) -> {
            if (now - since >= ORPHAN_GRACE.toNanos()) {
                due.add(orphan);
            }
        });
        if (!due.isEmpty()) {
            log.info(
                    "removing the entries {} from {}: they point at no member of the cluster (its agent died with its node "
                            + "more than {} s ago)",
                    due,
                    recordName,
                    ORPHAN_GRACE.toSeconds());
            count(publisher.removeWeightedEntries(recordName, due));
            orphanedSinceNanos.keySet().removeAll(due);
        }
        if (orphanedSinceNanos.isEmpty()) {
            return true;
        }
        scheduleRetry(ORPHAN_GRACE);
        return false;
    }

    private boolean count(PublishResult result) {
        if (result.outcome() == PublishResult.Outcome.CHANGED) {
            changes.inc();
        }
        return result.outcome() != PublishResult.Outcome.DEPOSED;
    }

    private void scheduleRetry(Duration delay) {
        try {
            thread.schedule(this::reconcile, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /**
     * Stops publishing and removes this member's own record and weighted entry (graceful stop). The primary and reader
     * records are left to the next lease holder, which corrects them under its own epoch. Closing again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(REMOVAL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("the Route 53 thread did not stop within {} s", REMOVAL_TIMEOUT.toSeconds());
            }
            Optional<String> ownRecord = config.memberRecord(self);
            if (ownRecord.isPresent()) {
                PublishResult result = publisher.removeMemberRecord(ownRecord.get());
                log.info("removed this member's record {} ({})", ownRecord.get(), result.outcome());
            }
            if (config.weightedRecord().isPresent()) {
                PublishResult result = publisher.publishWeightedEntry(
                        config.weightedRecord().get(), weightedIdentifier, Optional.empty(), config.weight());
                log.info(
                        "removed this member's entry {} from {} ({})",
                        weightedIdentifier,
                        config.weightedRecord().get(),
                        result.outcome());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Route53PublishException e) {
            failures.inc();
            log.warn("could not remove this member's record: {}", e.getMessage());
        } finally {
            publisher.close();
        }
    }
}
