package io.steward.testing;

import io.steward.engine.ArchiveStatus;
import io.steward.engine.ClusterMember;
import io.steward.engine.DataState;
import io.steward.engine.Endpoint;
import io.steward.engine.Engine;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.Peer;
import io.steward.engine.ReplicaLink;
import io.steward.engine.ReplicationStyle;
import io.steward.engine.Role;
import io.steward.engine.SnapshotHold;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * An engine without a server, for tests of the HA loop: its state is what the test sets ({@link #set}) and what the
 * loop's actions make of it (a promotion makes it primary, a fence stops it...); every action is recorded
 * ({@link #calls}), and any one can be told to fail ({@link #failing}) until told otherwise.
 */
public final class FakeEngine implements Engine {
    private final Endpoint endpoint;
    private final ReplicationStyle style;
    private final boolean electsOwnPrimary;
    private final List<String> calls = new ArrayList<>();
    private final Map<String, Supplier<RuntimeException>> failures = new HashMap<>();
    private EngineStatus status = EngineStatus.stopped(DataState.EMPTY, Optional.empty());
    private OptionalLong electedTerm = OptionalLong.empty();
    private List<String> synchronousStandbys = List.of();
    private Set<String> slots = Set.of();
    private List<ClusterMember> members = List.of();
    private boolean processAlive;

    /** An engine whose primary Steward elects, in {@code style}. */
    public FakeEngine(Endpoint endpoint, ReplicationStyle style) {
        this(endpoint, style, false);
    }

    private FakeEngine(Endpoint endpoint, ReplicationStyle style, boolean electsOwnPrimary) {
        this.endpoint = endpoint;
        this.style = style;
        this.electsOwnPrimary = electsOwnPrimary;
    }

    /** An engine whose database elects its own primary (MongoDB, Elasticsearch). */
    public static FakeEngine electingItsOwnPrimary(Endpoint endpoint) {
        return new FakeEngine(endpoint, new ReplicationStyle(ReplicationStyle.Topology.STAR,
                ReplicationStyle.CandidateOrder.MOST_ADVANCED_FIRST, false, false), true);
    }

    // ---- what the test sets and reads ------------------------------------------------------------------------

    /** The server is now in {@code status} (a crash, a restart behind the agent's back, a probe problem). */
    public synchronized FakeEngine set(EngineStatus status) {
        this.status = status;
        this.processAlive = status.running();
        return this;
    }

    /** A running server in {@code role} at {@code position}, streaming from {@code upstream} when a replica. */
    public synchronized FakeEngine running(Role role, long position, Optional<Endpoint> upstream) {
        return set(new EngineStatus(role, DataState.VALID, position, status.timeline(), upstream.map(Endpoint::toString),
                false, status.replicas(), Optional.empty()));
    }

    /** The replicas connected to this server, as a primary sees them. */
    public synchronized FakeEngine replicas(List<ReplicaLink> replicas) {
        return set(new EngineStatus(status.role(), status.dataState(), status.position(), status.timeline(),
                status.upstream(), status.replayPaused(), replicas, status.problem()));
    }

    /** The server's process is (or is not) there, whatever the last probe said (a hung server, a crash). */
    public synchronized void processAlive(boolean alive) {
        processAlive = alive;
    }

    /** The term in which the database elected this node, for an engine that elects its own primary. */
    public synchronized void electedTerm(OptionalLong term) {
        electedTerm = term;
    }

    /** From now on, {@code action} (a method's name, e.g. "promote") throws what {@code failure} makes. */
    public synchronized void failing(String action, Supplier<RuntimeException> failure) {
        failures.put(action, failure);
    }

    /** {@code action} works again. */
    public synchronized void healed(String action) {
        failures.remove(action);
    }

    /** Every action asked for so far, in order, e.g. {@code promote} or {@code follow a}. */
    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    public synchronized void clearCalls() {
        calls.clear();
    }

    public synchronized List<String> synchronousStandbys() {
        return synchronousStandbys;
    }

    public synchronized Set<String> slots() {
        return slots;
    }

    public synchronized List<ClusterMember> members() {
        return members;
    }

    public synchronized EngineStatus current() {
        return status;
    }

    private void act(String action, String detail, Runnable effect) {
        calls.add(detail.isEmpty() ? action : action + " " + detail);
        Supplier<RuntimeException> failure = failures.get(action);
        if (failure != null) {
            throw failure.get();
        }
        effect.run();
    }

    private void become(Role role, Optional<String> upstream) {
        set(new EngineStatus(role, DataState.VALID, Math.max(status.position(), 0), status.timeline(), upstream, false,
                role == Role.PRIMARY ? status.replicas() : List.of(), Optional.empty()));
    }

    // ---- the engine ----------------------------------------------------------------------------------------

    @Override
    public synchronized EngineStatus probe() {
        return status;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public synchronized boolean serverProcessAlive() {
        return processAlive;
    }

    @Override
    public boolean electsOwnPrimary() {
        return electsOwnPrimary;
    }

    @Override
    public ReplicationStyle replicationStyle() {
        return style;
    }

    @Override
    public synchronized void initializeNewCluster() {
        act("initializeNewCluster", "", () -> become(Role.PRIMARY, Optional.empty()));
    }

    @Override
    public synchronized void cloneFrom(Peer primary) {
        act("cloneFrom", primary.name(), () -> become(Role.REPLICA, Optional.of(primary.database().toString())));
    }

    @Override
    public synchronized void reinitializeFrom(Peer primary) {
        act("reinitializeFrom", primary.name(), () -> become(Role.REPLICA, Optional.of(primary.database().toString())));
    }

    @Override
    public synchronized void startAsPrimary() {
        act("startAsPrimary", "", () -> become(Role.PRIMARY, Optional.empty()));
    }

    @Override
    public synchronized void startAsReplica(Optional<Peer> primary) {
        act("startAsReplica", primary.map(Peer::name).orElse("(nobody)"),
                () -> become(Role.REPLICA, primary.map(p -> p.database().toString())));
    }

    @Override
    public synchronized void follow(Peer primary) {
        act("follow", primary.name(), () -> become(Role.REPLICA, Optional.of(primary.database().toString())));
    }

    @Override
    public synchronized void promote() {
        act("promote", "", () -> become(Role.PRIMARY, Optional.empty()));
    }

    @Override
    public synchronized void fence() {
        act("fence", "", () -> set(EngineStatus.stopped(DataState.VALID, Optional.of("fenced"))));
    }

    @Override
    public synchronized void stop() {
        act("stop", "", () -> set(new EngineStatus(Role.STOPPED, status.dataState(), status.position(),
                status.timeline(), Optional.empty(), false, List.of(), Optional.empty())));
    }

    @Override
    public List<String> fenceCommand() {
        return List.of("true");
    }

    @Override
    public synchronized void reconcileReplicationSlots(Set<String> memberNames) {
        act("reconcileReplicationSlots", String.join(",", new TreeSet<>(memberNames)),
                () -> slots = Set.copyOf(memberNames));
    }

    @Override
    public synchronized void setSynchronousStandbys(List<String> memberNames) {
        if (!memberNames.equals(synchronousStandbys)) {
            act("setSynchronousStandbys", String.join(",", memberNames), () -> synchronousStandbys = List.copyOf(memberNames));
        }
    }

    @Override
    public synchronized void reconcileMembers(List<ClusterMember> members) {
        act("reconcileMembers", String.join(",", members.stream().map(ClusterMember::name).toList()),
                () -> this.members = List.copyOf(members));
    }

    @Override
    public synchronized OptionalLong electedPrimaryTerm() {
        return electedTerm;
    }

    @Override
    public Optional<ArchiveStatus> archiveStatus() {
        return Optional.empty();
    }

    @Override
    public String serverUser() {
        return "nobody";
    }

    @Override
    public List<Path> dataPaths() {
        return List.of();
    }

    @Override
    public SnapshotHold holdForSnapshot(String label) {
        throw new EngineException("the fake engine takes no snapshots");
    }

    @Override
    public void recoverFromSnapshot(Map<String, String> files, Optional<Instant> targetTime, Consumer<String> progress) {
        throw new EngineException("the fake engine takes no snapshots");
    }

    @Override
    public void startReplicaFromSnapshot(Map<String, String> files, Peer primary) {
        throw new EngineException("the fake engine takes no snapshots");
    }

    @Override
    public void close() {
    }
}
