package io.steward.ha;

import io.steward.config.HaConfig;
import io.steward.coordination.ClusterStore;
import io.steward.coordination.ClusterView;
import io.steward.coordination.CoordinationException;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.coordination.ProblemLog;
import io.steward.coordination.Synced;
import io.steward.engine.DataState;
import io.steward.engine.Engine;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.Peer;
import io.steward.engine.RewindFailedException;
import io.steward.engine.Role;
import io.steward.guard.GuardException;
import io.steward.metrics.AgentMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HA loop of one node: each tick reads the cluster, probes the local server, asks {@link HaRules} what to do,
 * does it, and publishes this member's state. Ticks run every {@code loop_wait} and at once on any cluster change
 * ({@link LoopThreads}). A watchdog beside it fences the local primary the moment the lease can no longer be proven,
 * even while a tick is stuck ({@link LeaseGuard}, {@link WatchdogRules}). Every choice is made by pure rules; what
 * changes the lease is done by {@link LeaseActions}, the primary's duties by {@link LeaderDuties}.
 */
public final class HaLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HaLoop.class);
    /**
     * How long a member asked to confirm failsafe mode waits for ZooKeeper to answer a sync before it says ZooKeeper is
     * unreachable from here too: well within the caller's timeout.
     */
    private static final Duration FAILSAFE_REACH_CHECK = Duration.ofMillis(400);
    /** How long a node whose fence guard could not start stands aside before it may try to lead again. */
    private static final Duration GUARD_RETRY = Duration.ofMinutes(1);

    private final ClusterStore store;
    private final Engine engine;
    private final LoopCapabilities capabilities;
    private final EffectivePolicy policy;
    private final AgentMetrics metrics;
    private final MemberIdentity identity;
    private final LoopEnvironment environment;
    private final Clock clock;
    private final FailsafeMode failsafe;
    private final LeaseGuard lease;
    private final LeaseActions actions;
    private final LeaderDuties duties;
    private final LeaseWatchdog watchdog;
    private final LoopThreads threads = new LoopThreads();
    private final ProblemLog badZnodes = new ProblemLog(log);
    private final List<TickListener> tickListeners = new CopyOnWriteArrayList<>();
    private final PlannedRestarts restarts = new PlannedRestarts();
    private Optional<ReplicaSeeder> replicaSeeder = Optional.empty();
    private ClusterSeed clusterSeed;
    private volatile String apiUrl = "";
    /** {@code node.stop_server_on_exit}: whether a replica's server stops with the agent ({@link StopRules}). */
    private final boolean stopServerOnExit;
    /** Set first thing when the agent shuts down, and published: no member then chooses this one to take the lease. */
    private volatile boolean stopping;

    private volatile ClusterView view =
            new ClusterView(Map.of(), Optional.empty(), 0, Optional.empty(), false, Optional.empty(), Optional.empty());
    private volatile EngineStatus status = EngineStatus.stopped(DataState.EMPTY, Optional.of("not probed yet"));
    private volatile Decision lastDecision = new Decision(new Action.Observe(), "starting");
    private volatile boolean lastActionWorked;
    private volatile FailureLog failures = FailureLog.NONE;
    private volatile ClusterTimers timers = ClusterTimers.START;
    private RejoinState rejoin = RejoinState.NONE;
    private Optional<Publication> lastPublication = Optional.empty();
    private volatile boolean reinitializeRequested;
    /** Until when this node may not take the primary's role: its fence guard could not start (why, and until when). */
    private volatile Optional<Unfit> unfit = Optional.empty();

    /** How this member presents itself to the others. */
    public record MemberIdentity(String name, String agentVersion, Optional<String> dnsName) {}

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

    /** Why this node may not take the primary's role for a while, and until when ({@link Clock#nanoTime()}). */
    private record Unfit(String reason, long untilNanos) {}

    /**
     * @param clusterToken the admin token, which every member shares in failsafe mode: the primary's failsafe calls
     *        carry it
     * @param stopServerOnExit {@code node.stop_server_on_exit}: false leaves a replica's server running when the agent
     *        stops
     */
    public HaLoop(
            ClusterStore store,
            Engine engine,
            Policy policy,
            AgentMetrics metrics,
            MemberIdentity identity,
            Path stateDir,
            Optional<String> clusterToken,
            boolean stopServerOnExit) {
        this(
                store,
                engine,
                policy,
                metrics,
                identity,
                LoopEnvironment.system(clusterToken, stateDir.resolve("fence-guard.log")),
                stopServerOnExit);
    }

    HaLoop(
            ClusterStore store,
            Engine engine,
            Policy policy,
            AgentMetrics metrics,
            MemberIdentity identity,
            LoopEnvironment environment,
            boolean stopServerOnExit) {
        this.stopServerOnExit = stopServerOnExit;
        this.store = store;
        this.engine = engine;
        this.capabilities = new LoopCapabilities(engine);
        this.policy = new EffectivePolicy(policy);
        this.metrics = metrics;
        this.identity = identity;
        this.environment = environment;
        this.clock = environment.clock();
        this.failsafe = new FailsafeMode(environment.failsafeCalls(), environment.failsafeRounds(), clock, metrics);
        this.lease = new LeaseGuard(
                clock,
                environment.guards(),
                () -> capabilities.replication().fenceCommand(),
                failsafe::confirmedUntilNanos);
        this.actions = new LeaseActions(store, engine, capabilities, lease, failsafe, metrics, clock);
        this.duties = new LeaderDuties(store, engine, capabilities);
        this.watchdog = new LeaseWatchdog(
                this,
                lease,
                actions,
                failsafe,
                store,
                () -> capabilities.replication().serverProcessAlive(),
                metrics,
                clock,
                environment.leaseProofs());
        this.clusterSeed = () -> new NewCluster(() -> capabilities.replication().initializeNewCluster(), () -> {});
    }

    /** Starts ticking; {@code apiUrl} is where this member's admin API answers, published for the others. */
    public void start(String apiUrl) {
        this.apiUrl = apiUrl;
        threads.start(this::tickSafely, () -> policy().ha().loopWait(), this::checkLease);
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
            public void connectionChanged(String state) {
                metrics.zookeeperState(state);
                log.info("ZooKeeper connection {}", state);
                tickSoon();
            }
        };
    }

    public void tickSoon() {
        threads.tickSoon();
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
        return failures.failing();
    }

    /** Whether the lease is ours and provably still ours right now. */
    public boolean leaseProven() {
        if (policy().engineElectsPrimary()) {
            return provenElectedTerm().isPresent();
        }
        return lease.hold().validAt(clock.nanoTime());
    }

    /**
     * The epoch of the lease this node provably holds right now; empty when it holds none. Where the database elects
     * its own primary, the term in which it elected this node, asked afresh.
     */
    public OptionalLong provenLeaseEpoch() {
        if (policy().engineElectsPrimary()) {
            return provenElectedTerm();
        }
        LeaseHold hold = lease.hold();
        return hold.validAt(clock.nanoTime()) ? OptionalLong.of(hold.epoch()) : OptionalLong.empty();
    }

    /** {@link SelfElectedRules#provenTerm}; empty when ZooKeeper cannot say (safety over liveness). */
    private OptionalLong provenElectedTerm() {
        OptionalLong term = capabilities.electedPrimaryTerm();
        if (term.isEmpty()) {
            return term;
        }
        try {
            return SelfElectedRules.provenTerm(term, store.latestPrimaryTerm());
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

    /** The {@code ha:} settings of this node's own configuration, before the cluster-wide ones are laid over them. */
    public HaConfig ownHaSettings() {
        return policy.own().ha();
    }

    /** The {@code ha:} settings in force: this node's own with the cluster-wide ones laid over them. */
    public HaConfig haSettingsInForce() {
        return policy().ha();
    }

    /** The operator's restart of the local server waiting for this loop. */
    public PlannedRestarts restarts() {
        return restarts;
    }

    public void requestReinitialize() {
        reinitializeRequested = true;
        tickSoon();
    }

    Policy policy() {
        return policy.current();
    }

    private void tickSafely() {
        long started = clock.nanoTime();
        try {
            tick();
        } catch (RuntimeException e) {
            log.error("HA tick failed: {}", e.toString(), e);
        } finally {
            metrics.recordLoop(Duration.ofNanos(clock.nanoTime() - started));
        }
    }

    /** The lease watchdog's check ({@link LeaseWatchdog}), which its thread runs every {@link WatchdogRules#PERIOD}. */
    void checkLease() {
        watchdog.check();
    }

    /** One turn of the loop: read, probe, decide, act, publish. */
    void tick() {
        long started = clock.nanoTime();
        Optional<LeaseReading> reading = readCluster();
        boolean readable = reading.isPresent();
        ClusterView current = view;
        EngineStatus probed = engine.probe();
        status = probed;
        LeaseHold hold = lease.hold();
        timers = timers.observe(current, policy().self(), hold.held(), probed, started);
        lease.renew();

        LocalState local = localState(current, probed, reading, hold, started);
        long nowMillis = clock.currentTimeMillis();
        Decision decision = restarts.amend(
                HaRules.decide(current, local, policy(), nowMillis),
                restartSituation(current, probed, local),
                nowMillis,
                capabilities::settingsPendingRestart);
        if (decision.worthLogging(lastDecision, lastActionWorked)) {
            log.info("{} [{}]", decision, epochOf(current, probed));
        }
        lastDecision = decision;
        if (readable && lastPublication.isEmpty()) {
            // Announce this member before a long first action (a clone), so the primary prepares its slot meanwhile.
            publish(current);
        }
        // Without ZooKeeper the rules ask only for what is safe without it: fence, or start read-only.
        carryOut(decision.action(), current, probed);
        if (decision.acts()) {
            status = engine.probe();
            timers = timers.afterAction(lease.hold().held(), status);
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

    /**
     * Reads the cluster after a sync and learns from it whether this node holds the lease; empty when the store does
     * not answer, and the last view stands.
     */
    private Optional<LeaseReading> readCluster() {
        Synced<ClusterView> read;
        try {
            read = store.readSynced(syncTimeout(policy()));
        } catch (CoordinationException e) {
            log.warn("cannot read the cluster state: {}", e.getMessage());
            return Optional.empty();
        }
        ClusterView current = read.value();
        view = current;
        badZnodes.report(current.problems());
        policy.apply(current.settings());
        LeaseReading reading = LeaseReading.of(current, policy().self(), read.sessionId(), store::wasOurSession);
        boolean held = lease.hold().held();
        lease.update(hold ->
                reading.holds() ? hold.proven(current.lease().get().epoch(), read, clock.nanoTime()) : hold.lost());
        if (held && !reading.holds()) {
            metrics.leaseRenewalFailed();
        }
        if (reading.namesHolder(current, policy().self())) {
            // ZooKeeper answers again and says who holds the lease: failsafe confirmations count no longer
            failsafe.withdraw();
        }
        return Optional.of(reading);
    }

    /** What the rules know of this node, as of a tick that began at {@code started}. */
    private LocalState localState(
            ClusterView current, EngineStatus probed, Optional<LeaseReading> reading, LeaseHold hold, long started) {
        long now = clock.nanoTime();
        return new LocalState(
                probed,
                reading.isPresent(),
                hold.held(),
                now < hold.validUntilNanos(),
                timers.primaryDownFor(started),
                timers.lastPrimaryPosition(),
                timers.leaderlessFor(started),
                rejoin.mustReinitialize(),
                reinitializeRequested,
                unfitReason(),
                now < failsafe.confirmedUntilNanos(),
                reading.filter(LeaseReading::staleOfOurs).isPresent(),
                rejoin.needsOperator(current.epoch()));
    }

    /** What {@link RestartRules} need to know of this node. */
    private RestartRules.Situation restartSituation(ClusterView current, EngineStatus probed, LocalState local) {
        boolean elects = policy().engineElectsPrimary();
        return new RestartRules.Situation(
                probed.role(),
                local.coordinationReadable(),
                elects || local.holdsLease() && local.leaseStillValid(),
                elects || current.lease().isPresent(),
                Optional.empty());
    }

    private void carryOut(Action action, ClusterView current, EngineStatus probed) {
        lastActionWorked = false;
        Policy policy = policy();
        try {
            if (action instanceof Action.Observe) {
                failures = failures.cleared();
                return;
            } else if (action instanceof Action.WaitForOperator) {
                return; // what failed stays in failingAction until an operator acts
            } else if (action instanceof Action.Fence) {
                actions.fence("lease not provable", current.epoch());
            } else if (action instanceof Action.InitializeCluster) {
                actions.initializeCluster(current, policy, clusterSeed);
            } else if (action instanceof Action.CloneFrom clone) {
                Peer leader = peer(clone.leader());
                if (replicaSeeder.map(seeder -> !seeder.seed(leader)).orElse(true)) {
                    capabilities.replication().cloneFrom(leader);
                }
            } else if (action instanceof Action.Reinitialize reinit) {
                capabilities.replication().reinitializeFrom(peer(reinit.leader()));
                rejoin = RejoinState.NONE;
                reinitializeRequested = false;
            } else if (action instanceof Action.RestartAsPrimary) {
                lease.arm();
                capabilities.replication().startAsPrimary();
            } else if (action instanceof Action.Restart) {
                restarts.carryOut(() -> capabilities.restartable().restart());
            } else if (action instanceof Action.ReleaseLease) {
                actions.release(policy.self(), current.epoch());
            } else if (action instanceof Action.Promote) {
                lease.arm();
                capabilities.replication().promote();
                metrics.promoted();
            } else if (action instanceof Action.Lead) {
                duties.lead(current, probed, policy, lease.hold().epoch());
            } else if (action instanceof Action.TakeOver takeOver) {
                actions.takeOver(current, probed, policy, takeOver.reason(), timers.lastLeaseHolder());
            } else if (action instanceof Action.ReclaimLease) {
                actions.reclaim(current, policy);
            } else if (action instanceof Action.HandOver handOver) {
                current.transfer()
                        .filter(t -> t.to().isEmpty())
                        .ifPresent(t -> store.nameTransferCandidate(
                                t, handOver.candidate().name()));
                actions.handOver(handOver.candidate(), handOver.waitForCatchUp(), probed, policy.self());
            } else if (action instanceof Action.CancelTransfer) {
                store.clearTransfer();
            } else if (action instanceof Action.RemoveStrayLease remove) {
                store.removeStrayLease(remove.stray());
            } else if (action instanceof Action.StartAsReplica start) {
                rejoin(
                        () -> capabilities
                                .replication()
                                .startAsReplica(start.leader().map(HaLoop::peer)),
                        current.epoch());
            } else if (action instanceof Action.Follow follow) {
                rejoin(() -> capabilities.replication().follow(peer(follow.leader())), current.epoch());
            }
            lastActionWorked = true;
            failures = failures.cleared();
        } catch (EngineException | CoordinationException e) {
            actionFailed(action, e.getMessage(), current, probed);
        } catch (GuardException e) {
            try {
                cannotGuard(e);
                actionFailed(action, e.getMessage() + "; gave up the lease", current, probed);
            } catch (EngineException | CoordinationException f) {
                actionFailed(
                        action, e.getMessage() + "; could not give up the lease: " + f.getMessage(), current, probed);
            }
        }
    }

    /** Reports a failed action in /health; logs it once, then again every minute while it keeps failing the same way. */
    private void actionFailed(Action action, String reason, ClusterView current, EngineStatus probed) {
        FailureLog.Failed failed =
                failures.failed(action.getClass().getSimpleName(), reason, clock.now(), clock.nanoTime());
        failures = failed.log();
        failed.line().ifPresent(line -> log.error("{} [{}]", line, epochOf(current, probed)));
    }

    private void rejoin(Runnable attempt, long epoch) {
        try {
            attempt.run();
            rejoin = RejoinState.NONE;
        } catch (RewindFailedException e) {
            // the engine says what may follow: try again, clone again now, or leave it to an operator
            rejoin = rejoin.rewindFailed(e.next(), e.getMessage(), epoch);
            throw e;
        }
    }

    /** What a log line names as the epoch: the lease's, or the term of a database that elects its own primary. */
    private String epochOf(ClusterView current, EngineStatus probed) {
        return policy().engineElectsPrimary() ? "term " + probed.timeline() : "epoch " + current.epoch();
    }

    /**
     * The fence guard could not start: without it nothing would stop this server should the agent die, so it must not
     * be primary. Gives the lease up (stopping the server if it runs as primary) and stands aside for a while, so that
     * another member takes over.
     */
    private void cannotGuard(GuardException e) {
        unfit = Optional.of(new Unfit(e.getMessage(), clock.nanoTime() + GUARD_RETRY.toNanos()));
        log.error(
                "{}; giving up the lease of epoch {} and standing aside for {} s",
                e.getMessage(),
                view.epoch(),
                GUARD_RETRY.toSeconds());
        if (lease.hold().held()) {
            actions.release(policy().self(), view.epoch());
        }
    }

    /** Why this node may not take the primary's role now, if it may not. */
    private Optional<String> unfitReason() {
        long now = clock.nanoTime();
        return unfit.filter(u -> now < u.untilNanos()).map(Unfit::reason).or(failsafe::promiseReason);
    }

    /** After a tick: a guard exactly while this node runs the primary under its lease. */
    private void reconcileGuard() {
        if (lease.hold().held() && status.role() == Role.PRIMARY) {
            try {
                lease.arm();
            } catch (GuardException e) {
                cannotGuard(e);
            }
        } else if (status.role() != Role.PRIMARY) {
            lease.disarm();
        }
    }

    /**
     * How long a read that proves the lease waits for its sync: two ticks, so that a silent ZooKeeper costs the loop
     * (which must then fence, or start its server read-only) no longer than that.
     */
    static Duration syncTimeout(Policy policy) {
        return policy.ha().loopWait().multipliedBy(2);
    }

    private void publish(ClusterView current) {
        MemberInfo member = memberInfo();
        Optional<String> holder = current.lease().map(Lease::holder);
        Policy policy = policy();
        if (Publication.due(
                lastPublication, member, holder, clock.nanoTime(), policy.ha().loopWait())) {
            store.publish(member);
            lastPublication = Optional.of(new Publication(member, clock.nanoTime(), holder));
        }
    }

    /** What this member publishes of itself now. */
    private MemberInfo memberInfo() {
        EngineStatus now = status;
        Policy policy = policy();
        return new MemberInfo(
                        identity.name(),
                        now.role(),
                        now.running() && now.problem().isEmpty(),
                        engine.endpoint(),
                        apiUrl,
                        now.position(),
                        now.timeline(),
                        now.upstream(),
                        now.replayPaused(),
                        policy.noFailover(),
                        policy.priority(),
                        identity.agentVersion(),
                        clock.currentTimeMillis(),
                        now.problem(),
                        identity.dnsName(),
                        capabilities.memberTags(),
                        unfitReason(),
                        stopping)
                .reporting(capabilities.engineReport());
    }

    private void updateMetrics(ClusterView current) {
        metrics.failsafeActive(failsafeActive());
        metrics.role(status.role());
        metrics.epoch(current.epoch());
        metrics.leader(lease.hold().held());
        metrics.lagBytes(lagBytes());
    }

    /** Whether this primary takes writes on its members' failsafe confirmations rather than its lease, right now. */
    public boolean failsafeActive() {
        return status.role() == Role.PRIMARY && failsafe.active(lease.hold().validUntilNanos());
    }

    /**
     * Whether this node may take writes right now: it holds the lease provably, or, in failsafe mode while ZooKeeper
     * cannot be reached, every member it counts on has confirmed.
     */
    public boolean writable() {
        return leaseProven() || failsafeActive();
    }

    /** What failsafe mode does on this node now, in words, for {@code /health}. */
    public Optional<String> failsafeState() {
        if (failsafeActive()) {
            return Optional.of(
                    "active: ZooKeeper is unreachable and every member confirmed; writes go on on their word");
        }
        return failsafe.promiseReason();
    }

    /** Another member's failsafe call: this member's answer, and, with a confirmation, its promise. */
    public FailsafeRules.Answer answerFailsafe(FailsafeRules.Call call) {
        return failsafe.answer(
                call, policy().ha().failsafeMode(), store.answersWithin(FAILSAFE_REACH_CHECK), view, status.role());
    }

    /** How far behind the primary this node is: 0 on the primary, -1 when unknown. */
    public long lagBytes() {
        return timers.lagBytes(status);
    }

    /**
     * Graceful stop. The member says first that it is stopping, so that nobody chooses it to take the lease; then, where
     * Steward elects the primary, a primary hands over to the best healthy replica not stopping too (or, with none,
     * stops its server and releases the lease at once), and the server is stopped cleanly unless
     * {@code stop_server_on_exit} leaves a replica's running ({@link StopRules}). A database that elects its own
     * primary leaves its cluster the engine's own way.
     */
    @Override
    public void close() {
        stopping = true;
        announceStopping();
        threads.stopTicks();
        Policy policy = policy();
        try {
            if (policy.engineElectsPrimary()) {
                // The database elects its own primary: leaving means the local server leaves, the engine's own way. The
                // member entry goes first, so that the elected primary does not add the node back while it leaves.
                store.withdraw();
                log.info("shutting down: stopping the local server (the database elects its own primary)");
                engine.stop();
            } else {
                // again, now that no tick can publish an older state over it
                status = engine.probe();
                announceStopping();
                leave(policy);
            }
        } catch (RuntimeException e) {
            log.error("graceful stop failed: {}", e.getMessage());
        } finally {
            threads.stopWatchdog();
            environment.close();
            lease.disarm();
            store.withdraw();
        }
    }

    /**
     * Publishes this member as stopping, at once (with the last tick's state: a tick may still be under way). A store
     * that does not answer cannot let anyone choose this member either.
     */
    private void announceStopping() {
        try {
            store.publish(memberInfo());
        } catch (CoordinationException e) {
            log.warn("could not say in ZooKeeper that this member is stopping: {}", e.getMessage());
        }
    }

    /** Carries out {@link StopRules}' plan for this node. */
    private void leave(Policy policy) {
        ClusterView current = store.read();
        EngineStatus probed = engine.probe();
        StopRules.Step step = StopRules.onStop(current, probed, lease.hold().held(), policy, stopServerOnExit);
        log.info("shutting down: {} [epoch {}]", step, current.epoch());
        if (step.handOverTo().isPresent()) {
            actions.handOverOnStop(step.handOverTo().get(), probed, policy.self(), current.epoch());
        } else if (step.releaseLease()) {
            actions.release(policy.self(), current.epoch());
        }
        if (step.stopServer()) {
            engine.stop();
        }
    }

    private static Peer peer(MemberInfo member) {
        return new Peer(member.name(), member.database());
    }
}
