package io.steward.testing;

import io.steward.coordination.ClusterView;
import io.steward.coordination.FailsafeMembers;
import io.steward.coordination.HistoryEntry;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.coordination.SyncState;
import io.steward.coordination.TransferRequest;
import io.steward.ha.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A ZooKeeper ensemble's worth of cluster state in memory, for tests of the HA loop without servers. It keeps what
 * {@link io.steward.coordination.ZooKeeperClusterStore} keeps, and the part of ZooKeeper that the lease rests on:
 * sessions, which own the ephemeral entries (members, the lease) and expire once the ensemble has heard nothing from
 * them for the session timeout, by the test's clock. Members connect through {@link #connect}; a test may also change
 * the state directly, as another agent or an operator would.
 */
public final class InMemoryEnsemble {
    private final Clock clock;
    private final Duration sessionTimeout;
    private final Duration serverTick;
    private long nextSession = 0x1000;
    /** Live sessions, with when the ensemble last heard from each. */
    private final Map<Long, Long> sessions = new HashMap<>();

    private final Map<String, Owned<MemberInfo>> members = new HashMap<>();
    private Optional<Owned<Lease>> leader = Optional.empty();
    private long epoch;
    private Optional<String> initialized = Optional.empty();
    private boolean maintenance;
    private Optional<TransferRequest> transfer = Optional.empty();
    private Optional<SyncState> sync = Optional.empty();
    private Map<String, String> settings = Map.of();
    private Optional<FailsafeMembers> failsafe = Optional.empty();
    private final List<HistoryEntry> history = new ArrayList<>();
    private OptionalLong primaryTerm = OptionalLong.empty();
    private final Map<String, String> designated = new HashMap<>();
    private boolean down;

    /** An entry and the session that owns it (0: a persistent entry, which no session owns). */
    record Owned<T>(T value, long session) {}

    /**
     * @param sessionTimeout what the ensemble grants every session
     * @param serverTick the ensemble's {@code tickTime}, which the lease's deadline is worked out with
     */
    public InMemoryEnsemble(Clock clock, Duration sessionTimeout, Duration serverTick) {
        this.clock = clock;
        this.sessionTimeout = sessionTimeout;
        this.serverTick = serverTick;
    }

    /** A member's connection, with a session of its own. */
    public InMemoryClusterStore connect() {
        return new InMemoryClusterStore(this, clock, sessionTimeout, serverTick);
    }

    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    /** The cluster's state as a member reads it. */
    public synchronized ClusterView view() {
        expireSilentSessions();
        Map<String, MemberInfo> live = new HashMap<>();
        members.forEach((name, member) -> live.put(name, member.value()));
        return new ClusterView(
                live,
                leader.map(Owned::value),
                Optional.empty(),
                epoch,
                initialized,
                maintenance,
                transfer,
                sync,
                settings,
                failsafe,
                List.of());
    }

    /** The failover history, oldest first. */
    public synchronized List<HistoryEntry> history() {
        return List.copyOf(history);
    }

    /** Whether the ensemble still keeps {@code session} (it has not expired it). */
    public synchronized boolean alive(long session) {
        expireSilentSessions();
        return sessions.containsKey(session);
    }

    /** Expires {@code session} now, as the ensemble's leader does once it has heard nothing from it for its timeout. */
    public synchronized void expire(long session) {
        sessions.remove(session);
        members.values().removeIf(member -> member.session() == session);
        leader = leader.filter(lease -> lease.session() != session);
    }

    /** Another agent's member entry, kept alive by a session of its own until {@link #removeMember}. */
    public synchronized void putMember(MemberInfo member) {
        long session =
                members.containsKey(member.name()) ? members.get(member.name()).session() : openSession();
        sessions.put(session, Long.MAX_VALUE); // a member a test plays never goes silent by itself
        members.put(member.name(), new Owned<>(member, session));
    }

    /** The ensemble expires the session of the agent whose member entry {@code name} is: its entry and lease go. */
    public synchronized void expireSessionOf(String name) {
        Optional.ofNullable(members.get(name)).ifPresent(member -> expire(member.session()));
    }

    public synchronized void removeMember(String name) {
        Owned<MemberInfo> gone = members.remove(name);
        if (gone != null
                && leader.filter(lease -> lease.session() == gone.session()).isEmpty()) {
            sessions.remove(gone.session());
        }
    }

    /** The lease, as another agent whose member entry {@code holder} is would take it (epoch bumped). */
    public synchronized Lease takeLeaseFor(String holder) {
        long session =
                Optional.ofNullable(members.get(holder)).map(Owned::session).orElseGet(this::openSession);
        sessions.put(session, Long.MAX_VALUE);
        epoch++;
        Lease lease = new Lease(holder, epoch, session);
        leader = Optional.of(new Owned<>(lease, session));
        return lease;
    }

    /**
     * The whole ensemble stops (true) or starts again (false). Stopped, it answers nobody and expires no session; started
     * again, it gives every session it kept a full timeout, as ZooKeeper's servers do.
     */
    public synchronized void down(boolean stopped) {
        down = stopped;
        if (!stopped) {
            long now = clock.nanoTime();
            sessions.replaceAll((session, heard) -> heard == Long.MAX_VALUE ? heard : now);
        }
    }

    synchronized boolean isDown() {
        return down;
    }

    public synchronized void setMaintenance(boolean on) {
        maintenance = on;
    }

    // ---- what the stores do, each as one ZooKeeper request or transaction -------------------------------------

    synchronized long openSession() {
        long session = nextSession++;
        sessions.put(session, clock.nanoTime());
        return session;
    }

    /** A request of {@code session} reached the ensemble; false when it had expired the session already. */
    synchronized boolean touch(long session) {
        expireSilentSessions();
        if (!sessions.containsKey(session)) {
            return false;
        }
        sessions.computeIfPresent(session, (s, heard) -> heard == Long.MAX_VALUE ? heard : clock.nanoTime());
        return true;
    }

    private void expireSilentSessions() {
        if (down) {
            return;
        }
        long now = clock.nanoTime();
        List<Long> silent = sessions.entrySet().stream()
                .filter(s -> s.getValue() != Long.MAX_VALUE && now - s.getValue() > sessionTimeout.toNanos())
                .map(Map.Entry::getKey)
                .toList();
        silent.forEach(this::expire);
    }

    synchronized Optional<Lease> lease() {
        return leader.map(Owned::value);
    }

    synchronized long epoch() {
        return epoch;
    }

    synchronized Optional<Lease> acquire(
            String name, long session, long expectedEpoch, boolean resetSync, Optional<Lease> replacing) {
        if (replacing.isPresent()) {
            if (leader.filter(l -> l.session() == replacing.get().sessionId()).isEmpty()) {
                return Optional.empty();
            }
            leader = Optional.empty();
        }
        if (leader.isPresent() || epoch != expectedEpoch) {
            return Optional.empty();
        }
        epoch++;
        Lease lease = new Lease(name, epoch, session);
        leader = Optional.of(new Owned<>(lease, session));
        transfer = Optional.empty();
        if (resetSync) {
            sync = Optional.of(new SyncState(name, Optional.empty()));
        }
        return Optional.of(lease);
    }

    synchronized void release(long session) {
        leader = leader.filter(lease -> lease.session() != session);
    }

    synchronized boolean removePersistentLease() {
        if (leader.filter(lease -> lease.session() == 0).isEmpty()) {
            return false;
        }
        leader = Optional.empty();
        return true;
    }

    synchronized void publish(MemberInfo member, long session) {
        members.put(member.name(), new Owned<>(member, session));
    }

    synchronized void withdraw(String name, long session) {
        members.computeIfPresent(name, (n, member) -> member.session() == session ? null : member);
    }

    synchronized boolean claimInitialization(String name) {
        if (initialized.isPresent()) {
            return false;
        }
        initialized = Optional.of(name);
        return true;
    }

    synchronized void abandonInitialization(String name) {
        initialized = initialized.filter(by -> !by.equals(name));
    }

    synchronized boolean raisePrimaryTerm(long term) {
        if (primaryTerm.isPresent() && primaryTerm.getAsLong() > term) {
            return false;
        }
        primaryTerm = OptionalLong.of(term);
        return true;
    }

    synchronized OptionalLong primaryTerm() {
        return primaryTerm;
    }

    synchronized void writeSettings(Map<String, String> settings) {
        this.settings = Map.copyOf(settings);
    }

    synchronized void writeFailsafe(FailsafeMembers members) {
        failsafe = Optional.of(members);
    }

    synchronized void maintenance(boolean on) {
        maintenance = on;
    }

    synchronized boolean requestTransfer(TransferRequest request) {
        if (transfer.isPresent()) {
            return false;
        }
        transfer = Optional.of(request);
        return true;
    }

    synchronized void nameTransferCandidate(TransferRequest request, String candidate) {
        transfer = Optional.of(request.withCandidate(candidate));
    }

    synchronized void clearTransfer() {
        transfer = Optional.empty();
    }

    synchronized void writeSync(SyncState state) {
        sync = Optional.of(state);
    }

    synchronized void appendHistory(HistoryEntry entry) {
        history.add(entry);
    }

    /** Whether {@code name} holds {@code duty}: the first to ask holds it until it leaves. */
    synchronized boolean designate(String duty, String name) {
        return designated.computeIfAbsent(duty, d -> name).equals(name);
    }

    synchronized void leaveDesignation(String duty, String name) {
        designated.remove(duty, name);
    }
}
