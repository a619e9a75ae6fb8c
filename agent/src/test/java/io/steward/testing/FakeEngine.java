package io.steward.testing;

import io.steward.engine.Capability;
import io.steward.engine.ClusterMember;
import io.steward.engine.ConfiguredEngine;
import io.steward.engine.DataState;
import io.steward.engine.Endpoint;
import io.steward.engine.Engine;
import io.steward.engine.EngineCapabilities;
import io.steward.engine.EngineStatus;
import io.steward.engine.LeaseElected;
import io.steward.engine.ManagedMembership;
import io.steward.engine.Peer;
import io.steward.engine.ReplicaLink;
import io.steward.engine.ReplicationSlots;
import io.steward.engine.ReplicationStyle;
import io.steward.engine.Restartable;
import io.steward.engine.Role;
import io.steward.engine.SynchronousStandbys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * An engine without a server, for tests of the HA loop: its state is what the test sets ({@link #set}) and what the
 * loop's actions make of it (a promotion makes it primary, a fence stops it...); every action is recorded
 * ({@link #calls}), and any one can be told to fail ({@link #failing}) until told otherwise.
 *
 * <p>It comes the way a plugin's engine does: its capabilities declared first ({@link #declared()}, where a test takes
 * the HA policy's replication style from, as the agent does), then built and checked to have exactly those
 * ({@link ConfiguredEngine#create()}). Two kinds, as there are two kinds of databases: {@link ElectedBySteward}, whose
 * primary Steward elects through its lease, and {@link ElectingItsOwnPrimary}, a database that elects its own primary
 * and keeps its own member list.
 */
public abstract class FakeEngine implements Engine {
    private final Endpoint endpoint;
    private final EngineCapabilities declared;
    private final List<String> calls = new ArrayList<>();
    private final Map<String, Supplier<RuntimeException>> failures = new HashMap<>();
    private EngineStatus status = EngineStatus.stopped(DataState.EMPTY, Optional.empty());

    private FakeEngine(Endpoint endpoint, EngineCapabilities declared) {
        this.endpoint = endpoint;
        this.declared = declared;
    }

    /**
     * An engine whose primary Steward elects, in {@code style}, with replication slots, synchronous standbys and
     * restarts (as PostgreSQL's).
     */
    public static ElectedBySteward electedBySteward(Endpoint endpoint, ReplicationStyle style) {
        return electedBySteward(
                endpoint,
                EngineCapabilities.electedBySteward(style)
                        .with(ReplicationSlots.class)
                        .with(SynchronousStandbys.class)
                        .with(Restartable.class));
    }

    /**
     * An engine whose primary Steward elects, with only the capabilities {@code declared} (of {@link LeaseElected},
     * {@link ReplicationSlots} and {@link SynchronousStandbys}): Redis's, say, has no synchronous standbys.
     */
    public static ElectedBySteward electedBySteward(Endpoint endpoint, EngineCapabilities declared) {
        return (ElectedBySteward)
                new ConfiguredEngine(declared, () -> new ElectedBySteward(endpoint, declared)).create();
    }

    /** An engine whose database elects its own primary and keeps its member list (as MongoDB's); it may create one. */
    public static ElectingItsOwnPrimary electingItsOwnPrimary(Endpoint endpoint) {
        EngineCapabilities declared = EngineCapabilities.electedByTheDatabase()
                .with(ManagedMembership.class)
                .creatingClusters(true);
        return (ElectingItsOwnPrimary)
                new ConfiguredEngine(declared, () -> new ElectingItsOwnPrimary(endpoint, declared)).create();
    }

    // ---- what the test sets and reads ------------------------------------------------------------------------

    /** What its plugin declared: its capabilities, and the replication style where Steward elects the primary. */
    public EngineCapabilities declared() {
        return declared;
    }

    /** The server is now in {@code status} (a crash, a restart behind the agent's back, a probe problem). */
    public synchronized FakeEngine set(EngineStatus status) {
        this.status = status;
        return this;
    }

    /** A running server in {@code role} at {@code position}, streaming from {@code upstream} when a replica. */
    public synchronized FakeEngine running(Role role, long position, Optional<Endpoint> upstream) {
        return set(new EngineStatus(
                role,
                DataState.VALID,
                position,
                status.timeline(),
                upstream.map(Endpoint::toString),
                false,
                status.replicas(),
                Optional.empty()));
    }

    /** The replicas connected to this server, as a primary sees them. */
    public synchronized FakeEngine replicas(List<ReplicaLink> replicas) {
        return set(new EngineStatus(
                status.role(),
                status.dataState(),
                status.position(),
                status.timeline(),
                status.upstream(),
                status.replayPaused(),
                replicas,
                status.problem()));
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

    public synchronized EngineStatus current() {
        return status;
    }

    /** Records {@code action}, fails it when told to, and otherwise lets {@code effect} change the server's state. */
    synchronized void act(String action, String detail, Runnable effect) {
        calls.add(detail.isEmpty() ? action : action + " " + detail);
        Supplier<RuntimeException> failure = failures.get(action);
        if (failure != null) {
            throw failure.get();
        }
        effect.run();
    }

    /** The server runs as {@code role}, with the data it had. */
    synchronized void become(Role role, Optional<String> upstream) {
        set(new EngineStatus(
                role,
                DataState.VALID,
                Math.max(status.position(), 0),
                status.timeline(),
                upstream,
                false,
                role == Role.PRIMARY ? status.replicas() : List.of(),
                Optional.empty()));
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
    public synchronized void stop() {
        act(
                "stop",
                "",
                () -> set(new EngineStatus(
                        Role.STOPPED,
                        status.dataState(),
                        status.position(),
                        status.timeline(),
                        Optional.empty(),
                        false,
                        List.of(),
                        Optional.empty())));
    }

    @Override
    public String serverUser() {
        return "nobody";
    }

    @Override
    public List<Path> dataPaths() {
        return List.of();
    }

    /** What it was declared with, like an engine whose capabilities depend on its configuration. */
    @Override
    public <C extends Capability> Optional<C> capability(Class<C> type) {
        return declared.has(type) ? Engine.super.capability(type) : Optional.empty();
    }

    /** A fake engine whose primary Steward elects through its lease (as PostgreSQL's or Redis's). */
    public static final class ElectedBySteward extends FakeEngine
            implements LeaseElected, ReplicationSlots, SynchronousStandbys, Restartable {
        private List<String> synchronousStandbys = List.of();
        private Runnable duringRestart = () -> {};
        private List<String> pendingRestart = List.of();
        private Set<String> slots = Set.of();
        private boolean processAlive;

        private ElectedBySteward(Endpoint endpoint, EngineCapabilities declared) {
            super(endpoint, declared);
        }

        /** The server's process is (or is not) there, whatever the last probe said (a hung server, a crash). */
        public synchronized void processAlive(boolean alive) {
            processAlive = alive;
        }

        /** Its process is there exactly when the new state has it running, until the test says otherwise. */
        @Override
        public synchronized FakeEngine set(EngineStatus status) {
            processAlive = status.running();
            return super.set(status);
        }

        public synchronized List<String> synchronousStandbys() {
            return synchronousStandbys;
        }

        public synchronized Set<String> slots() {
            return slots;
        }

        @Override
        public synchronized boolean serverProcessAlive() {
            return processAlive;
        }

        @Override
        public void initializeNewCluster() {
            act("initializeNewCluster", "", () -> become(Role.PRIMARY, Optional.empty()));
        }

        @Override
        public void cloneFrom(Peer primary) {
            act(
                    "cloneFrom",
                    primary.name(),
                    () -> become(Role.REPLICA, Optional.of(primary.database().toString())));
        }

        @Override
        public void reinitializeFrom(Peer primary) {
            act(
                    "reinitializeFrom",
                    primary.name(),
                    () -> become(Role.REPLICA, Optional.of(primary.database().toString())));
        }

        @Override
        public void startAsPrimary() {
            act("startAsPrimary", "", () -> become(Role.PRIMARY, Optional.empty()));
        }

        @Override
        public void startAsReplica(Optional<Peer> primary) {
            act(
                    "startAsReplica",
                    primary.map(Peer::name).orElse("(nobody)"),
                    () -> become(Role.REPLICA, primary.map(p -> p.database().toString())));
        }

        @Override
        public void follow(Peer primary) {
            act(
                    "follow",
                    primary.name(),
                    () -> become(Role.REPLICA, Optional.of(primary.database().toString())));
        }

        @Override
        public void promote() {
            act("promote", "", () -> become(Role.PRIMARY, Optional.empty()));
        }

        @Override
        public void fence() {
            act("fence", "", () -> set(EngineStatus.stopped(DataState.VALID, Optional.of("fenced"))));
        }

        @Override
        public List<String> fenceCommand() {
            return List.of("true");
        }

        /** Runs while the server is down for a restart (a test moves its clock there: a slow restart). */
        public synchronized void duringRestart(Runnable down) {
            duringRestart = down;
        }

        /** The settings that wait for a restart, until the next one. */
        public synchronized void pendingRestart(List<String> settings) {
            pendingRestart = List.copyOf(settings);
        }

        @Override
        public void restart() {
            EngineStatus before = current();
            act("restart", "", () -> {
                duringRestart.run();
                pendingRestart = List.of();
                become(before.role(), before.upstream());
            });
        }

        @Override
        public void reload() {
            act("reload", "", () -> {});
        }

        @Override
        public synchronized List<String> settingsPendingRestart() {
            return pendingRestart;
        }

        @Override
        public synchronized void reconcileReplicationSlots(Set<String> memberNames) {
            act(
                    "reconcileReplicationSlots",
                    String.join(",", new TreeSet<>(memberNames)),
                    () -> slots = Set.copyOf(memberNames));
        }

        @Override
        public synchronized void setSynchronousStandbys(List<String> memberNames) {
            if (!memberNames.equals(synchronousStandbys)) {
                act(
                        "setSynchronousStandbys",
                        String.join(",", memberNames),
                        () -> synchronousStandbys = List.copyOf(memberNames));
            }
        }
    }

    /** A fake engine whose database elects its own primary and keeps its own member list (as MongoDB's). */
    public static final class ElectingItsOwnPrimary extends FakeEngine implements ManagedMembership {
        private OptionalLong electedTerm = OptionalLong.empty();
        private List<ClusterMember> members = List.of();

        private ElectingItsOwnPrimary(Endpoint endpoint, EngineCapabilities declared) {
            super(endpoint, declared);
        }

        /** The term in which the database elected this node; empty while it is not its primary. */
        public synchronized void electedTerm(OptionalLong term) {
            electedTerm = term;
        }

        public synchronized List<ClusterMember> members() {
            return members;
        }

        @Override
        public synchronized OptionalLong electedPrimaryTerm() {
            return electedTerm;
        }

        @Override
        public Map<String, String> memberTags() {
            return Map.of();
        }

        @Override
        public void initializeNewCluster() {
            act("initializeNewCluster", "", () -> become(Role.PRIMARY, Optional.empty()));
        }

        @Override
        public synchronized void reconcileMembers(List<ClusterMember> members) {
            act(
                    "reconcileMembers",
                    String.join(",", members.stream().map(ClusterMember::name).toList()),
                    () -> this.members = List.copyOf(members));
        }
    }
}
