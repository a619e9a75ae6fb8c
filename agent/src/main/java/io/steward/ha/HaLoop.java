package io.steward.ha;

import io.steward.admin.FailingAction;
import io.steward.config.ConfigProblems;
import io.steward.config.HaConfig;
import io.steward.coordination.ClusterStore;
import io.steward.coordination.ClusterView;
import io.steward.coordination.FailsafeMembers;
import io.steward.coordination.CoordinationException;
import io.steward.coordination.HistoryEntry;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.coordination.ProblemLog;
import io.steward.coordination.SyncState;
import io.steward.coordination.Synced;
import io.steward.coordination.TransferRequest;
import io.steward.engine.ClusterMember;
import io.steward.engine.Engine;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.LeaseElected;
import io.steward.engine.ManagedMembership;
import io.steward.engine.Peer;
import io.steward.engine.ReplicationSlots;
import io.steward.engine.RewindFailedException;
import io.steward.engine.Role;
import io.steward.engine.SynchronousStandbys;
import io.steward.guard.GuardException;
import io.steward.guard.GuardProcess;
import io.steward.metrics.AgentMetrics;
import org.apache.curator.framework.state.ConnectionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * The HA loop of one node: each tick reads the cluster, probes the local server, asks {@link HaRules} what to do,
 * does it, and publishes this member's state. Ticks run every {@code loop_wait} and at once on any cluster change.
 * A watchdog thread beside it fences the local primary the moment the lease can no longer be proven, even while a
 * tick is stuck.
 */
public final class HaLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HaLoop.class);
    private static final Duration WATCHDOG_PERIOD = Duration.ofMillis(100);
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration REPEAT_FAILURE_LOG = Duration.ofMinutes(1);
    /** How long each failsafe call may take: a round must end well within what it proves (a session timeout). */
    private static final Duration FAILSAFE_CALL_TIMEOUT = Duration.ofSeconds(1);
    /**
     * How long a member asked to confirm failsafe mode waits for ZooKeeper to answer a sync before it says ZooKeeper is
     * unreachable from here too: well within the caller's timeout.
     */
    private static final Duration FAILSAFE_REACH_CHECK = Duration.ofMillis(400);
    /** How long a node whose fence guard could not start stands aside before it may try to lead again. */
    private static final Duration GUARD_RETRY = Duration.ofMinutes(1);

    private final ClusterStore store;
    private final Engine engine;
    /** How the engine is driven where Steward elects the primary; empty where the database elects its own. */
    private final Optional<LeaseElected> leaseElected;
    /** The database's own member list, where the database elects its primary and keeps one. */
    private final Optional<ManagedMembership> membership;
    /** This node's own policy, from its configuration. */
    private final Policy ownPolicy;
    /** Its policy with the cluster-wide settings laid over it, as of the last tick. */
    private volatile Policy policy;
    private Map<String, String> appliedSettings = Map.of();
    private final AgentMetrics metrics;
    private final MemberIdentity identity;
    private final Path guardLog;
    private final ScheduledExecutorService loopThread = Executors.newSingleThreadScheduledExecutor(named("ha-loop"));
    private final ScheduledExecutorService watchdogThread = Executors.newSingleThreadScheduledExecutor(named("lease-watchdog"));
    /** Proves the lease while the loop thread is busy with a long action; never the watchdog, which must not block. */
    private final ExecutorService leaseProofThread = Executors.newSingleThreadExecutor(named("lease-proof"));
    private final AtomicBoolean leaseProofRunning = new AtomicBoolean();
    private final AtomicBoolean tickPending = new AtomicBoolean();
    private final Object guardLock = new Object();
    private final ProblemLog badZnodes = new ProblemLog(log);

    private volatile ClusterView view = new ClusterView(Map.of(), Optional.empty(), 0, Optional.empty(), false,
            Optional.empty(), Optional.empty());
    private volatile EngineStatus status;
    /** The stale term last reported by a primary whose database has not noticed its successor yet (said once). */
    private long staleTermReported = -1;
        private volatile Decision lastDecision = new Decision(new Action.Observe(), "starting");
    private volatile boolean holdsLease;
    private volatile long leaseValidUntilNanos;
    /** When a read after a sync last proved the lease ({@link System#nanoTime()}). */
    private volatile long lastProofNanos;
    private final FailsafeMode failsafe;
    private volatile long heldLeaseEpoch;
    private final List<TickListener> tickListeners = new CopyOnWriteArrayList<>();
    private Optional<ReplicaSeeder> replicaSeeder = Optional.empty();
    private ClusterSeed clusterSeed;
    private volatile boolean reinitializeRequested;
    private volatile boolean stopping;
    /** Store events may arrive while the agent is still being wired (seeder, API address): no tick before start. */
    private volatile boolean started;
    private volatile String apiUrl = "";
    private GuardProcess guard;
    /**
     * Whether the local server may be taking writes under this node's lease, so that the watchdog must stop it once
     * the lease can no longer be proven: set before any action that makes it primary, whether or not a guard process
     * could be started, and cleared only once it is known to have stopped being one.
     */
    private volatile boolean guarding;
    /** Until when this node may not take the primary's role: its fence guard could not start (why, and until when). */
    private volatile Optional<Unfit> unfit = Optional.empty();
    private boolean rejoinFailed;
    /** A rewind failed in a way only an operator should follow up (a new clone), while this epoch lasts. */
    private Optional<StuckRejoin> stuckRejoin = Optional.empty();
    private Long primaryDownSinceNanos;
    private Long leaderlessSinceNanos;
    private long lastPrimaryPosition = -1;
    private Optional<String> lastLeaseHolder = Optional.empty();
    private MemberInfo lastPublished;
    private Optional<String> lastLeaseHolderAtPublish = Optional.empty();
    private long lastPublishedNanos;
    private PendingSync pendingSync;
    private String lastFailure = "";
    private volatile Optional<FailingAction> failingAction = Optional.empty();
    private boolean lastActionWorked;
    private long lastFailureLoggedNanos;

    /** How this member presents itself to the others. */
    public record MemberIdentity(String name, String agentVersion, Optional<String> dnsName) {
    }

    /** Fills an empty data directory as a replica of the primary; false when it could not, and the copy is made instead. */
    @FunctionalInterface
    public interface ReplicaSeeder {
        boolean seed(Peer primary);
    }

    /**
     * Where a new cluster's data comes from: by default an empty dataset, or a dump from the archive. {@link #prepare}
     * runs before the right to create the cluster is claimed, so that a dump that cannot be fetched claims nothing
     * and changes nothing; it also keeps a long download out of the time the lease must be renewed in.
     */
    @FunctionalInterface
    public interface ClusterSeed {
        NewCluster prepare();
    }

    /**
     * A prepared dataset for a new cluster.
     *
     * @param create fills the empty data directory and starts the server as the writable primary
     * @param discard drops what {@link ClusterSeed#prepare} fetched, whether or not it was used
     */
    public record NewCluster(Runnable create, Runnable discard) implements AutoCloseable {
        @Override
        public void close() {
            discard.run();
        }
    }

    /** Told, on the loop's thread, what a tick that could read the cluster saw and left behind; must return at once. */
    @FunctionalInterface
    public interface TickListener {
        void ticked(ClusterView view, EngineStatus status, boolean leaseProven);
    }

    /** A synchronous standby asked for but not yet confirmed to have everything. */
    private record PendingSync(String standby, long targetPosition) {
    }

    /**
     * @param clusterToken the admin token, which every member shares in failsafe mode: the primary's failsafe calls
     *        carry it
     */
    public HaLoop(ClusterStore store, Engine engine, Policy policy, AgentMetrics metrics, MemberIdentity identity,
                  Path stateDir, Optional<String> clusterToken) {
        this.store = store;
        this.failsafe = new FailsafeMode(clusterToken, FAILSAFE_CALL_TIMEOUT, metrics);
        this.engine = engine;
        this.leaseElected = engine.capability(LeaseElected.class);
        this.membership = engine.capability(ManagedMembership.class);
        this.ownPolicy = policy;
        this.policy = policy;
        this.metrics = metrics;
        this.identity = identity;
        this.guardLog = stateDir.resolve("fence-guard.log");
        this.status = EngineStatus.stopped(io.steward.engine.DataState.EMPTY, Optional.of("not probed yet"));
        this.clusterSeed = () -> new NewCluster(() -> replication().initializeNewCluster(), () -> { });
    }

    /** Starts ticking; {@code apiUrl} is where this member's admin API answers, published for the others. */
    public void start(String apiUrl) {
        this.apiUrl = apiUrl;
        started = true;
        loopThread.execute(this::periodicTick);
        watchdogThread.scheduleWithFixedDelay(this::guardLease, WATCHDOG_PERIOD.toMillis(), WATCHDOG_PERIOD.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Store listener: a cluster change makes the loop tick now rather than at its next turn. */
    public ClusterStore.Listener storeListener() {
        return new ClusterStore.Listener() {
            @Override
            public void clusterChanged(boolean memberUpdate) {
                // Members republish positions every tick; reacting to each would make every agent tick for every
                // other one. Only while there is no primary do fresh positions matter at once.
                if (!memberUpdate || view.lease().isEmpty()) {
                    tickSoon();
                }
            }

            @Override
            public void connectionChanged(ConnectionState state) {
                metrics.zookeeperState(state.name());
                log.info("ZooKeeper connection {}", state);
                tickSoon();
            }
        };
    }

    public void tickSoon() {
        if (started && !stopping && tickPending.compareAndSet(false, true)) {
            try {
                loopThread.execute(this::tickSafely);
            } catch (RejectedExecutionException e) {
                // stopping: the loop is over
            }
        }
    }

    public ClusterView view() {
        return view;
    }

    public EngineStatus status() {
        return status;
    }

    public Decision lastDecision() {
        return lastDecision;
    }

    /** The action the loop keeps failing at, until one works or none is needed. */
    public Optional<FailingAction> failingAction() {
        return failingAction;
    }

    /** Whether the lease is ours and provably still ours right now. */
    public boolean leaseProven() {
        if (policy.engineElectsPrimary()) {
            return provenElectedTerm().isPresent();
        }
        return holdsLease && System.nanoTime() < leaseValidUntilNanos;
    }

    /**
     * The epoch of the lease this node provably holds right now; empty when it holds none. Where the database elects
     * its own primary, the term in which it elected this node, asked afresh.
     */
    public OptionalLong provenLeaseEpoch() {
        if (policy.engineElectsPrimary()) {
            return provenElectedTerm();
        }
        long epoch = heldLeaseEpoch;
        return leaseProven() ? OptionalLong.of(epoch) : OptionalLong.empty();
    }

    /**
     * The term in which the database elected this node, if it is its primary now and no later term is recorded in
     * ZooKeeper: a primary cut off from the others still answers with its old term until it notices its successor.
     * Empty when ZooKeeper cannot say (safety over liveness).
     */
    private OptionalLong provenElectedTerm() {
        OptionalLong term = membership.map(ManagedMembership::electedPrimaryTerm).orElse(OptionalLong.empty());
        if (term.isEmpty()) {
            return term;
        }
        try {
            OptionalLong latest = store.latestPrimaryTerm();
            return latest.isEmpty() || latest.getAsLong() <= term.getAsLong() ? term : OptionalLong.empty();
        } catch (CoordinationException e) {
            return OptionalLong.empty();
        }
    }

    public void addTickListener(TickListener listener) {
        tickListeners.add(listener);
    }

    /** How a new replica gets its data other than a copy from the primary (a snapshot set); set before start. */
    public void replicaSeeder(ReplicaSeeder seeder) {
        this.replicaSeeder = Optional.of(seeder);
    }

    /** Where a cluster this node creates gets its data, when not from an empty dataset (a dump); set before start. */
    public void clusterSeed(ClusterSeed seed) {
        this.clusterSeed = seed;
    }

    public long lastPrimaryPosition() {
        return lastPrimaryPosition;
    }

    public void requestReinitialize() {
        reinitializeRequested = true;
        tickSoon();
    }

    /** A tick, then the next one {@code loop_wait} later: re-read each time, since it is a cluster-wide setting. */
    private void periodicTick() {
        tickSafely();
        try {
            if (!stopping) {
                loopThread.schedule(this::periodicTick, policy.ha().loopWait().toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (RejectedExecutionException e) {
            // stopping: the loop is over
        }
    }

    private void tickSafely() {
        tickPending.set(false);
        if (stopping) {
            return;
        }
        long started = System.nanoTime();
        try {
            tick(started);
        } catch (RuntimeException e) {
            log.error("HA tick failed: {}", e.toString(), e);
        } finally {
            metrics.recordLoop(Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private void tick(long started) {
        boolean readable;
        Synced<ClusterView> read = null;
        try {
            read = store.readSynced(syncTimeout());
            view = read.value();
            badZnodes.report(view.problems());
            readable = true;
        } catch (CoordinationException e) {
            readable = false;
            log.warn("cannot read the cluster state: {}", e.getMessage());
        }
        ClusterView current = view;
        boolean staleLeaseOfOurs = false;
        if (readable) {
            applySettings(current.settings());
            long session = read.sessionId();
            boolean holds = current.lease().filter(lease -> isMine(lease, session)).isPresent();
            staleLeaseOfOurs = current.lease().filter(lease -> lease.holder().equals(policy.self())
                    && lease.sessionId() != session && store.wasOurSession(lease.sessionId())).isPresent();
            synchronized (guardLock) {
                if (holds) {
                    heldLeaseEpoch = current.lease().get().epoch();
                    extendLease(read);
                } else {
                    leaseValidUntilNanos = 0;
                    if (holdsLease) {
                        metrics.leaseRenewalFailed();
                    }
                }
                holdsLease = holds;
            }
            if (holds || current.lease().filter(lease -> !lease.holder().equals(policy.self())).isPresent()) {
                // ZooKeeper answers again and says who holds the lease: failsafe confirmations count no longer
                failsafe.withdraw();
            }
        }
        EngineStatus probed = engine.probe();
        status = probed;
        track(current, probed, started);
        renewGuard();

        long now = System.nanoTime();
        LocalState local = new LocalState(probed, readable, holdsLease, now < leaseValidUntilNanos,
                Optional.ofNullable(primaryDownSinceNanos).map(since -> Duration.ofNanos(started - since)),
                lastPrimaryPosition,
                leaderlessSinceNanos == null ? Duration.ZERO : Duration.ofNanos(started - leaderlessSinceNanos),
                rejoinFailed, reinitializeRequested, unfitReason(), now < failsafe.confirmedUntilNanos(),
                staleLeaseOfOurs, stuckRejoin.filter(stuck -> stuck.epoch() == current.epoch()).map(StuckRejoin::why));
        Decision decision = HaRules.decide(current, local, policy, System.currentTimeMillis());
        boolean acted = !(decision.action() instanceof Action.Observe) && !(decision.action() instanceof Action.Lead)
                && !(decision.action() instanceof Action.WaitForOperator);
        // A decision repeated tick after tick (following a primary that is down) is said once; an action that
        // changes state, repeated after the previous one worked (a primary that crashed again), is a new event.
        boolean newEvent = acted && lastActionWorked && !(decision.action() instanceof Action.Follow);
        if (!decision.toString().equals(lastDecision.toString()) || newEvent) {
            log.info("{} [{}]", decision, epochOf(current, probed));
        }
        lastDecision = decision;
        if (readable && lastPublished == null) {
            // Announce this member before a long first action (a clone), so the primary prepares its slot meanwhile.
            publish(current);
        }
        // Without ZooKeeper the rules ask only for what is safe without it: fence, or start read-only.
        carryOut(decision.action(), current, probed);
        if (acted) {
            status = engine.probe();
            if (holdsLease && status.role() == Role.PRIMARY) {
                // Restarted or promoted: the time-down clock starts again from the next crash, not the first one.
                primaryDownSinceNanos = null;
            }
        }
        reconcileGuard();
        if (readable) {
            publish(current);
            EngineStatus after = status;
            boolean proven = leaseProven();
            tickListeners.forEach(listener -> listener.ticked(current, after, proven));
        }
        updateMetrics(current);
    }

    /** Lays the cluster-wide settings over this node's own; invalid ones are reported once and ignored. */
    private void applySettings(Map<String, String> settings) {
        if (settings.equals(appliedSettings)) {
            return;
        }
        appliedSettings = settings;
        ConfigProblems problems = new ConfigProblems();
        HaConfig effective = ownPolicy.ha().overriddenBy(settings, "cluster settings", problems);
        if (!problems.isEmpty()) {
            log.error("ignoring the cluster-wide settings {}: {}", settings, problems.list());
            policy = ownPolicy;
            return;
        }
        policy = ownPolicy.withHa(effective);
        log.info("cluster-wide settings {} in force: {}", settings, effective);
    }

    /** Whether the lease names this member and the session that read it. */
    private boolean isMine(Lease lease, long session) {
        return lease.holder().equals(policy.self()) && lease.sessionId() == session;
    }

    /** A read after a sync showed the lease ours: it is ours until the leader could expire the session, less the fence's time. */
    private void extendLease(Synced<?> proof) {
        leaseValidUntilNanos = Math.max(leaseValidUntilNanos,
                proof.sessionAliveUntilNanos() - HaConfig.FENCE_ALLOWANCE.toNanos());
        lastProofNanos = System.nanoTime();
    }

    private void track(ClusterView current, EngineStatus probed, long now) {
        if (holdsLease && probed.role() != Role.PRIMARY) {
            if (primaryDownSinceNanos == null) {
                primaryDownSinceNanos = now;
            }
        } else {
            primaryDownSinceNanos = null;
        }
        if (current.lease().isPresent()) {
            leaderlessSinceNanos = null;
            lastLeaseHolder = current.lease().map(Lease::holder);
            current.leaderMember().filter(m -> !m.name().equals(policy.self()) && m.position() >= 0)
                    .ifPresent(m -> lastPrimaryPosition = m.position());
            if (holdsLease && probed.role() == Role.PRIMARY) {
                lastPrimaryPosition = probed.position();
            }
        } else if (leaderlessSinceNanos == null) {
            leaderlessSinceNanos = now;
        }
    }

    private void carryOut(Action action, ClusterView current, EngineStatus probed) {
        lastActionWorked = false;
        try {
            if (action instanceof Action.Observe) {
                failingAction = Optional.empty();
                return;
            } else if (action instanceof Action.WaitForOperator) {
                return; // what failed stays in failingAction until an operator acts
            } else if (action instanceof Action.Fence) {
                fence("lease not provable");
            } else if (action instanceof Action.InitializeCluster) {
                initializeCluster(current);
            } else if (action instanceof Action.CloneFrom clone) {
                Peer leader = peer(clone.leader());
                if (replicaSeeder.map(seeder -> !seeder.seed(leader)).orElse(true)) {
                    replication().cloneFrom(leader);
                }
            } else if (action instanceof Action.Reinitialize reinit) {
                replication().reinitializeFrom(peer(reinit.leader()));
                rejoinFailed = false;
                stuckRejoin = Optional.empty();
                reinitializeRequested = false;
            } else if (action instanceof Action.RestartAsPrimary) {
                armGuard();
                replication().startAsPrimary();
            } else if (action instanceof Action.ReleaseLease) {
                releaseLease();
            } else if (action instanceof Action.Promote) {
                armGuard();
                replication().promote();
                metrics.promoted();
            } else if (action instanceof Action.Lead) {
                lead(current, probed);
            } else if (action instanceof Action.TakeOver takeOver) {
                takeOver(current, probed, takeOver.reason());
            } else if (action instanceof Action.ReclaimLease) {
                reclaimLease(current);
            } else if (action instanceof Action.HandOver handOver) {
                current.transfer().filter(t -> t.to().isEmpty())
                        .ifPresent(t -> store.nameTransferCandidate(t, handOver.candidate().name()));
                handOver(handOver.candidate(), handOver.waitForCatchUp(), probed);
            } else if (action instanceof Action.CancelTransfer) {
                store.clearTransfer();
            } else if (action instanceof Action.RemoveStrayLease remove) {
                store.removeStrayLease(remove.stray());
            } else if (action instanceof Action.StartAsReplica start) {
                rejoin(() -> replication().startAsReplica(start.leader().map(HaLoop::peer)));
            } else if (action instanceof Action.Follow follow) {
                rejoin(() -> replication().follow(peer(follow.leader())));
            }
            lastActionWorked = true;
            failingAction = Optional.empty();
        } catch (EngineException | CoordinationException e) {
            actionFailed(action, e.getMessage(), current, probed);
        } catch (GuardException e) {
            try {
                cannotGuard(e);
                actionFailed(action, e.getMessage() + "; gave up the lease", current, probed);
            } catch (EngineException | CoordinationException f) {
                actionFailed(action, e.getMessage() + "; could not give up the lease: " + f.getMessage(), current, probed);
            }
        }
    }

    /** Reports a failed action in /health; logs it once, then again every minute while it keeps failing the same way. */
    private void actionFailed(Action action, String reason, ClusterView current, EngineStatus probed) {
        String name = action.getClass().getSimpleName();
        Instant since = failingAction.filter(f -> f.action().equals(name)).map(FailingAction::since).orElseGet(Instant::now);
        failingAction = Optional.of(new FailingAction(name, reason, since));
        String failure = name + " failed: " + reason;
        if (!failure.equals(lastFailure) || System.nanoTime() - lastFailureLoggedNanos > REPEAT_FAILURE_LOG.toNanos()) {
            log.error("{} [{}]", failure, epochOf(current, probed));
            lastFailure = failure;
            lastFailureLoggedNanos = System.nanoTime();
        }
    }

    /** A failed rewind of this epoch's primary that only an operator should follow up. */
    private record StuckRejoin(String why, long epoch) {
    }

    private void rejoin(Runnable attempt) {
        try {
            attempt.run();
            rejoinFailed = false;
            stuckRejoin = Optional.empty();
        } catch (RewindFailedException e) {
            // the engine says what may follow: try again, clone again now, or leave it to an operator
            rejoinFailed = e.next() == RewindFailedException.Next.REINITIALIZE;
            if (e.next() == RewindFailedException.Next.WAIT_FOR_OPERATOR) {
                stuckRejoin = Optional.of(new StuckRejoin(e.getMessage(), view.epoch()));
            }
            throw e;
        }
    }

    /** What a log line names as the epoch: the lease's, or the term of a database that elects its own primary. */
    private String epochOf(ClusterView current, EngineStatus probed) {
        return policy.engineElectsPrimary() ? "term " + probed.timeline() : "epoch " + current.epoch();
    }

        private void initializeCluster(ClusterView current) {
        if (policy.engineElectsPrimary()) {
            initializeSelfElectingCluster();
            return;
        }
        try (NewCluster newCluster = clusterSeed.prepare()) {
            if (!store.claimInitialization(policy.self())) {
                log.info("another member claimed cluster creation first");
                return;
            }
            Optional<Synced<Lease>> lease = store.tryAcquireLease(policy.self(), current.epoch(), policy.ha().synchronousMode());
            if (lease.isEmpty()) {
                store.abandonInitialization(policy.self());
                return;
            }
            long epoch = becomeHolder(lease.get());
            try {
                armGuard();
                newCluster.create().run();
            } catch (EngineException | GuardException e) {
                disarmGuard();
                store.releaseLease(policy.self());
                store.abandonInitialization(policy.self());
                holdsLease = false;
                throw e;
            }
            store.appendHistory(new HistoryEntry(epoch, policy.self(), Optional.empty(), "cluster created",
                    engine.probe().position(), System.currentTimeMillis()));
            log.info("created the cluster; primary of epoch {}", epoch);
        }
    }

    /** The database elects its primary itself: the claim keeps two members from creating two clusters, no lease is taken. */
    private void initializeSelfElectingCluster() {
        if (!store.claimInitialization(policy.self())) {
            log.info("another member claimed cluster creation first");
            return;
        }
        try {
            membership().initializeNewCluster();
        } catch (EngineException e) {
            store.abandonInitialization(policy.self());
            throw e;
        }
        EngineStatus created = engine.probe();
        store.appendHistory(new HistoryEntry(created.timeline(), policy.self(), Optional.empty(), "cluster created",
                created.position(), System.currentTimeMillis()));
        log.info("created the cluster; its database elects the primary from now on (term {})", created.timeline());
    }

    /**
     * The lease still names this node, from a session of this agent that is gone: take it over in the same transaction
     * that removes it, so that nobody can take it in between (the server, still primary on its members' failsafe
     * confirmations or already read-only, goes on from there under the new epoch).
     */
    private void reclaimLease(ClusterView current) {
        Lease stale = current.lease().orElseThrow();
        Optional<Synced<Lease>> lease = store.reclaimLease(policy.self(), stale, current.epoch(),
                policy.ha().synchronousMode());
        if (lease.isEmpty()) {
            log.info("the lease of epoch {} changed before it could be reclaimed", current.epoch());
            return;
        }
        long epoch = becomeHolder(lease.get());
        store.appendHistory(new HistoryEntry(epoch, policy.self(), Optional.of(policy.self()),
                "lease reclaimed from this agent's earlier ZooKeeper session", engine.probe().position(),
                System.currentTimeMillis()));
        log.info("took over this agent's own lease of epoch {} (session {}) as epoch {}", stale.epoch(),
                Long.toHexString(stale.sessionId()), epoch);
    }

    private void takeOver(ClusterView current, EngineStatus probed, Action.TakeoverReason reason) {
        Optional<Synced<Lease>> lease = store.tryAcquireLease(policy.self(), current.epoch(), policy.ha().synchronousMode());
        if (lease.isEmpty()) {
            log.info("another member took the lease after epoch {} first", current.epoch());
            return;
        }
        long epoch = becomeHolder(lease.get());
        try {
            armGuard();
            replication().promote();
        } catch (EngineException e) {
            // A half-promoted server must not keep a lease it cannot serve: stop it and let another member try.
            log.error("promotion failed after taking the lease of epoch {}: {}; releasing it", epoch, e.getMessage());
            fence("promotion failed");
            store.releaseLease(policy.self());
            holdsLease = false;
            return;
        }
        metrics.promoted();
        store.appendHistory(new HistoryEntry(epoch, policy.self(),
                lastLeaseHolder.filter(h -> !h.equals(policy.self())), reason.toString(), probed.position(),
                System.currentTimeMillis()));
        log.info("promoted to primary of epoch {} ({})", epoch, reason);
    }

    /** Took the lease: ours until the transaction that took it proves the session alive. Returns its epoch. */
    private long becomeHolder(Synced<Lease> lease) {
        synchronized (guardLock) {
            heldLeaseEpoch = lease.value().epoch();
            holdsLease = true;
            leaseValidUntilNanos = 0;
            extendLease(lease);
        }
        pendingSync = null;
        return lease.value().epoch();
    }

    private void handOver(MemberInfo candidate, boolean waitForCatchUp, EngineStatus before) {
        engine.stop();
        disarmGuard();
        long finalPosition = Math.max(before.position(), engine.probe().position());
        if (waitForCatchUp && !awaitCatchUp(candidate.name(), finalPosition)) {
            log.warn("{} did not reach position {} within {} s; staying primary and cancelling the switchover",
                    candidate.name(), finalPosition, CATCH_UP_TIMEOUT.toSeconds());
            armGuard();
            replication().startAsPrimary();
            store.clearTransfer();
            return;
        }
        store.releaseLease(policy.self());
        holdsLease = false;
        leaseValidUntilNanos = 0;
        log.info("handed the lease to {} at position {}", candidate.name(), finalPosition);
    }

    private boolean awaitCatchUp(String candidate, long position) {
        long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            ClusterView current = store.read();
            Optional<MemberInfo> member = current.member(candidate);
            if (member.isPresent() && member.get().position() >= position) {
                return true;
            }
            sleep(Duration.ofMillis(50));
        }
        return false;
    }

    private void releaseLease() {
        Role role = engine.probe().role();
        if (role == Role.PRIMARY) {
            engine.stop();
        } else if (role == Role.STOPPED && replication().serverProcessAlive()) {
            // a server that runs but does not answer (hung, swapping, stopped by a signal) takes writes again once
            // it wakes up, and by then another node may be primary
            log.warn("fencing the unresponsive local server before giving up the lease [epoch {}]", view.epoch());
            replication().fence();
        }
        disarmGuard();
        store.releaseLease(policy.self());
        holdsLease = false;
        leaseValidUntilNanos = 0;
    }

    private void lead(ClusterView current, EngineStatus probed) {
        if (policy.engineElectsPrimary()) {
            // a database without terms (Elasticsearch reports 0) has nothing to record
            if (probed.timeline() > 0 && !store.raisePrimaryTerm(policy.self(), probed.timeline())) {
                if (staleTermReported != probed.timeline()) {
                    log.warn("the database still calls this node its primary in term {}, but a later term is recorded; "
                            + "leaving the member list to the later primary", probed.timeline());
                    staleTermReported = probed.timeline();
                }
                return;
            }
            membership.ifPresent(database -> database.reconcileMembers(current.members().values().stream()
                    .map(m -> new ClusterMember(m.name(), m.database(), m.healthy(), m.promotable() ? m.priority() : 0, m.tags()))
                    .sorted(Comparator.comparing(ClusterMember::name)).toList()));
            return;
        }
        engine.capability(ReplicationSlots.class).ifPresent(slots -> slots.reconcileReplicationSlots(
                current.members().keySet().stream().filter(n -> !n.equals(policy.self())).collect(Collectors.toSet())));
        if (policy.ha().failsafeMode()) {
            FailsafeMembers counted = FailsafeRules.record(current, policy.self(), heldLeaseEpoch);
            if (!current.failsafe().equals(Optional.of(counted))) {
                store.writeFailsafeMembers(counted);
                log.info("failsafe mode: counting on {} should ZooKeeper become unreachable [epoch {}]",
                        counted.members().isEmpty() ? "no other member" : String.join(", ",
                                counted.members().keySet().stream().sorted().toList()), heldLeaseEpoch);
            }
        }
        if (policy.ha().synchronousMode()) {
            manageSynchronousStandby(current, probed);
        } else {
            setSynchronousStandbys(List.of());
        }
    }

    /**
     * Keeps exactly one synchronous standby recorded in ZooKeeper, and records one only once the primary waits for
     * it and it has caught up: then every acknowledged write is on the member that is allowed to take over.
     */
    private void manageSynchronousStandby(ClusterView current, EngineStatus probed) {
        Optional<String> recorded = current.sync().filter(s -> s.leader().equals(policy.self())).flatMap(SyncState::standby);
        Optional<String> desired = chooseSynchronousStandby(current, recorded);
        if (recorded.isPresent() && recorded.equals(desired)) {
            setSynchronousStandbys(List.of(recorded.get()));
            return;
        }
        if (recorded.isPresent() || current.sync().filter(s -> s.leader().equals(policy.self())).isEmpty()) {
            // Forget the old standby before the primary stops waiting for it.
            store.writeSync(new SyncState(policy.self(), Optional.empty()));
            log.info("synchronous standby {} withdrawn [epoch {}]", recorded.orElse("(none)"), current.epoch());
        }
        if (desired.isEmpty()) {
            pendingSync = null;
            List<String> others = current.members().keySet().stream().filter(n -> !n.equals(policy.self())).sorted()
                    .collect(Collectors.toList());
            setSynchronousStandbys(policy.ha().synchronousModeStrict() ? others : List.of());
            return;
        }
        String standby = desired.get();
        if (pendingSync == null || !pendingSync.standby().equals(standby)) {
            setSynchronousStandbys(List.of(standby));
            pendingSync = new PendingSync(standby, engine.probe().position());
            return;
        }
        boolean confirmed = probed.replicas().stream().anyMatch(r -> r.name().equals(standby) && r.synchronous()
                && r.flushPosition() >= pendingSync.targetPosition());
        if (confirmed) {
            store.writeSync(new SyncState(policy.self(), Optional.of(standby)));
            pendingSync = null;
            log.info("synchronous standby is now {} [epoch {}]", standby, current.epoch());
        }
    }

    private Optional<String> chooseSynchronousStandby(ClusterView current, Optional<String> recorded) {
        String me = current.member(policy.self()).map(m -> m.database().toString()).orElse(engine.endpoint().toString());
        List<MemberInfo> streaming = current.members().values().stream()
                .filter(m -> !m.name().equals(policy.self()) && m.healthy() && m.role() == Role.REPLICA
                        && m.promotable() && m.upstream().filter(me::equals).isPresent())
                .sorted(HaRules.ranking(policy.style().candidateOrder()))
                .collect(Collectors.toList());
        if (recorded.isPresent() && streaming.stream().anyMatch(m -> m.name().equals(recorded.get()))) {
            return recorded;
        }
        return streaming.stream().findFirst().map(MemberInfo::name);
    }

    private void fence(String why) {
        log.warn("fencing the local primary: {} [epoch {}]", why, view.epoch());
        replication().fence();
        disarmGuard();
        failsafe.withdraw();
    }

    /**
     * Before the local server becomes (or while it stays) the primary: the watchdog guards the lease from now on, and a
     * guard process fences the server should this agent die or hang.
     *
     * @throws GuardException when the guard process cannot start: the server must then not be (or stay) primary
     */
    private void armGuard() {
        synchronized (guardLock) {
            guarding = true;
            if (guard == null || !guard.alive()) {
                guard = null;
                guard = GuardProcess.arm("fence guard", replication().fenceCommand(), remainingLease(), guardLog);
            }
        }
    }

    private void disarmGuard() {
        synchronized (guardLock) {
            guarding = false;
            if (guard != null) {
                guard.close();
                guard = null;
            }
        }
    }

    /** Why this node may not take the primary's role for a while. */
    private record Unfit(String reason, long untilNanos) {
    }

    /**
     * The fence guard could not start: without it nothing would stop this server should the agent die, so it must not
     * be primary. Gives the lease up (stopping the server if it runs as primary) and stands aside for a while, so that
     * another member takes over.
     */
    private void cannotGuard(GuardException e) {
        unfit = Optional.of(new Unfit(e.getMessage(), System.nanoTime() + GUARD_RETRY.toNanos()));
        log.error("{}; giving up the lease of epoch {} and standing aside for {} s", e.getMessage(), view.epoch(),
                GUARD_RETRY.toSeconds());
        if (holdsLease) {
            releaseLease();
        }
    }

    /** Why this node may not take the primary's role now, if it may not. */
    private Optional<String> unfitReason() {
        return unfit.filter(u -> System.nanoTime() < u.untilNanos()).map(Unfit::reason).or(failsafe::promiseReason);
    }

    private void renewGuard() {
        synchronized (guardLock) {
            if (guard != null) {
                guard.renew(remainingLease());
            }
        }
    }

    /** After a tick: a guard exactly while this node runs the primary under its lease. */
    private void reconcileGuard() {
        if (holdsLease && status.role() == Role.PRIMARY) {
            try {
                armGuard();
            } catch (GuardException e) {
                cannotGuard(e);
            }
        } else if (status.role() != Role.PRIMARY) {
            disarmGuard();
        }
    }

    /** Until when this server may take writes: its lease, or its members' failsafe confirmations. */
    private long writableUntilNanos() {
        return Math.max(leaseValidUntilNanos, failsafe.confirmedUntilNanos());
    }

    private Duration remainingLease() {
        return Duration.ofNanos(Math.max(0, writableUntilNanos() - System.nanoTime()));
    }

    /**
     * How long a read that proves the lease waits for its sync: two ticks, so that a silent ZooKeeper costs the loop
     * (which must then fence, or start its server read-only) no longer than that.
     */
    private Duration syncTimeout() {
        return policy.ha().loopWait().multipliedBy(2);
    }

    /** Whether ZooKeeper has proven the lease for longer than a tick and a half. */
    private boolean proofOverdue() {
        return System.nanoTime() - lastProofNanos > policy.ha().loopWait().multipliedBy(3).dividedBy(2).toNanos();
    }

    /**
     * Runs every 100 ms, independent of the loop: fences the moment the lease stops being provable, and makes the
     * loop tick at once when the primary's server process has died.
     */
    private void guardLease() {
        try {
            synchronized (guardLock) {
                if (!guarding) {
                    return;
                }
                // Nothing here may wait on ZooKeeper or the network (not even Curator's handle, which blocks while it
                // reconnects): the guard must be renewed, or the server fenced, on time.
                long remaining = writableUntilNanos() - System.nanoTime();
                if (remaining > 0 && guard != null) {
                    guard.renew(remainingLease());
                }
                if (remaining < policy.ha().loopWait().plus(WATCHDOG_PERIOD).toNanos()) {
                    // the loop is late (a long initdb, start or promotion, or a slow ZooKeeper): prove the lease from
                    // another thread, so that the deadline below still fences on time should ZooKeeper not answer
                    proveLeaseSoon();
                }
                if (policy.ha().failsafeMode() && holdsLease && status.role() == Role.PRIMARY && proofOverdue()) {
                    // ZooKeeper has not proven the lease for a tick and a half: ask the members while the lease lasts
                    failsafe.roundSoon(view, policy.self(), heldLeaseEpoch, store::negotiatedSessionTimeout,
                            policy.ha().loopWait());
                }
                if (remaining > 0) {
                    if (status.role() == Role.PRIMARY && !replication().serverProcessAlive()) {
                        tickSoon();
                    }
                    return;
                }
            }
            metrics.leaseRenewalFailed();
            fence("the lease could not be renewed in time");
        } catch (RuntimeException e) {
            log.error("lease watchdog failed: {}", e.toString(), e);
        }
    }

    private void proveLeaseSoon() {
        if (!leaseProofRunning.compareAndSet(false, true)) {
            return;
        }
        try {
            leaseProofThread.execute(() -> {
                try {
                    proveLease();
                } finally {
                    leaseProofRunning.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            leaseProofRunning.set(false); // stopping
        }
    }

    /** What a tick's read proves about the lease, without the tick. */
    private void proveLease() {
        Synced<Optional<Lease>> lease;
        try {
            lease = store.proveLease(syncTimeout());
        } catch (CoordinationException e) {
            return; // the watchdog fences at the deadline
        }
        synchronized (guardLock) {
            if (holdsLease && lease.value().filter(l -> isMine(l, lease.sessionId()))
                    .filter(l -> l.epoch() == heldLeaseEpoch).isPresent()) {
                extendLease(lease);
            }
        }
    }

    private void publish(ClusterView current) {
        EngineStatus now = status;
        MemberInfo member = new MemberInfo(identity.name(), now.role(), now.running() && now.problem().isEmpty(),
                engine.endpoint(), apiUrl, now.position(), now.timeline(), now.upstream(),
                now.replayPaused(), policy.noFailover(), policy.priority(), identity.agentVersion(),
                System.currentTimeMillis(), now.problem(), identity.dnsName(),
                membership.map(ManagedMembership::memberTags).orElse(Map.of()), unfitReason());
        boolean changed = lastPublished == null || !sameContent(lastPublished, member);
        boolean due = System.nanoTime() - lastPublishedNanos >= policy.ha().loopWait().toNanos();
        boolean leaderChanged = !Objects.equals(current.lease().map(Lease::holder), lastLeaseHolderAtPublish);
        if (changed || due || leaderChanged) {
            store.publish(member);
            lastPublished = member;
            lastPublishedNanos = System.nanoTime();
            lastLeaseHolderAtPublish = current.lease().map(Lease::holder);
        }
    }

    private static boolean sameContent(MemberInfo a, MemberInfo b) {
        return a.role() == b.role() && a.healthy() == b.healthy() && a.position() == b.position()
                && a.timeline() == b.timeline() && a.upstream().equals(b.upstream())
                && a.replayPaused() == b.replayPaused() && a.problem().equals(b.problem()) && a.tags().equals(b.tags())
                && a.standingAside().equals(b.standingAside());
    }

    private void updateMetrics(ClusterView current) {
        metrics.failsafeActive(failsafeActive());
        metrics.role(status.role());
        metrics.epoch(current.epoch());
        metrics.leader(holdsLease);
        metrics.lagBytes(lagBytes());
    }

    /** Whether this primary takes writes on its members' failsafe confirmations rather than its lease, right now. */
    public boolean failsafeActive() {
        return status.role() == Role.PRIMARY && failsafe.active(leaseValidUntilNanos);
    }

    /**
     * Whether this node may take writes right now: it holds the lease provably, or, in failsafe mode while ZooKeeper
     * cannot be reached, every member it counts on has confirmed.
     */
    public boolean writable() {
        return leaseProven() || failsafeActive();
    }

    /** What failsafe mode does on this node now, in words ({@link io.steward.admin.NodeStatus#failsafe()}). */
    public Optional<String> failsafeState() {
        if (failsafeActive()) {
            return Optional.of("active: ZooKeeper is unreachable and every member confirmed; writes go on on their word");
        }
        return failsafe.promiseReason();
    }

    /** Another member's failsafe call: this member's answer, and, with a confirmation, its promise. */
    public FailsafeRules.Answer answerFailsafe(FailsafeRules.Call call) {
        return failsafe.answer(call, policy.ha().failsafeMode(), store.answersWithin(FAILSAFE_REACH_CHECK), view,
                status.role());
    }

    /** How far behind the primary this node is: 0 on the primary, -1 when unknown. */
    public long lagBytes() {
        EngineStatus now = status;
        if (now.role() == Role.PRIMARY) {
            return 0;
        }
        if (now.position() < 0 || lastPrimaryPosition < 0) {
            return -1;
        }
        return Math.max(0, lastPrimaryPosition - now.position());
    }

    /**
     * Graceful stop: a primary hands over to the best healthy replica (or, with none, releases the lease and
     * stops its server); a replica just leaves.
     */
    @Override
    public void close() {
        stopping = true;
        loopThread.shutdown();
        try {
            loopThread.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (policy.engineElectsPrimary()) {
                // The database elects its own primary: leaving means the local server leaves, the engine's own way. The
                // member entry goes first, so that the elected primary does not add the node back while it leaves.
                store.withdraw();
                log.info("shutting down: stopping the local server (the database elects its own primary)");
                engine.stop();
            } else if (holdsLease && engine.probe().role() == Role.PRIMARY) {
                ClusterView current = store.read();
                Optional<MemberInfo> successor = current.members().values().stream()
                        .filter(m -> !m.name().equals(policy.self()) && m.healthy() && m.role() == Role.REPLICA
                                && m.promotable())
                        .min(HaRules.ranking(policy.style().candidateOrder()));
                if (successor.isPresent()) {
                    log.info("shutting down: handing over to {} [epoch {}]", successor.get().name(), current.epoch());
                    store.requestTransfer(new TransferRequest(TransferRequest.Kind.SWITCHOVER, policy.self(),
                            Optional.of(successor.get().name()), System.currentTimeMillis()));
                    handOver(successor.get(), true, engine.probe());
                } else {
                    log.info("shutting down: no healthy replica to hand over to; releasing the lease [epoch {}]", current.epoch());
                    releaseLease();
                }
            }
        } catch (RuntimeException e) {
            log.error("graceful stop failed: {}", e.getMessage());
        } finally {
            watchdogThread.shutdownNow();
            leaseProofThread.shutdownNow();
            failsafe.close();
            disarmGuard();
            store.withdraw();
        }
    }

    /** The engine's lease-elected replication: only asked for on the paths where Steward elects the primary. */
    private LeaseElected replication() {
        return leaseElected.orElseThrow(() -> new IllegalStateException("the database elects its own primary"));
    }

    /** The database's own member list: only asked for on the paths where the database elects its primary. */
    private ManagedMembership membership() {
        return membership.orElseThrow(() -> new IllegalStateException("the database keeps no member list of its own"));
    }

    /**
     * Which replicas the primary waits for. An engine without synchronous standbys waits for none: asked for one (the
     * cluster-wide settings may turn {@code ha.synchronous_mode} on), the action fails and says so.
     */
    private void setSynchronousStandbys(List<String> memberNames) {
        Optional<SynchronousStandbys> synchronous = engine.capability(SynchronousStandbys.class);
        if (synchronous.isPresent()) {
            synchronous.get().setSynchronousStandbys(memberNames);
        } else if (!memberNames.isEmpty()) {
            throw new EngineException("the database cannot make its primary wait for a named replica; turn "
                    + "ha.synchronous_mode off for this cluster");
        }
    }

    private static Peer peer(MemberInfo member) {
        return new Peer(member.name(), member.database());
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static java.util.concurrent.ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
