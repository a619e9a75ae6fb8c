package io.steward.testing;

import io.steward.coordination.BadLease;
import io.steward.coordination.ClusterStore;
import io.steward.coordination.ClusterView;
import io.steward.coordination.CoordinationException;
import io.steward.coordination.FailsafeMembers;
import io.steward.coordination.HistoryEntry;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.coordination.SessionLiveness;
import io.steward.coordination.SyncState;
import io.steward.coordination.Synced;
import io.steward.coordination.TransferRequest;
import io.steward.ha.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One member's connection to an {@link InMemoryEnsemble}: a {@link ClusterStore} as the HA loop sees ZooKeeper. Every
 * request touches the member's session; a read after a "sync" proves it alive until the deadline
 * {@link SessionLiveness} works out from the moment it was sent, by the test's clock. A test can cut the member off
 * ({@link #unreachable}: every request fails, as a partitioned or stopped ensemble looks), expire its session
 * ({@link #expireSession}: its entries go, and it goes on with a new one, as Curator does), or have the client give up a
 * session the ensemble still keeps ({@link #abandonSession}, after a long outage).
 */
public final class InMemoryClusterStore implements ClusterStore {
    private final InMemoryEnsemble ensemble;
    private final Clock clock;
    private final Duration sessionTimeout;
    private final SessionLiveness liveness;
    private final Set<Long> ownSessions = new HashSet<>();
    private final AtomicInteger publications = new AtomicInteger();
    private long session;
    private boolean unreachable;
    private Optional<MemberInfo> published = Optional.empty();

    InMemoryClusterStore(InMemoryEnsemble ensemble, Clock clock, Duration sessionTimeout, Duration serverTick) {
        this.ensemble = ensemble;
        this.clock = clock;
        this.sessionTimeout = sessionTimeout;
        this.liveness = new SessionLiveness(serverTick);
        newSession();
    }

    /** The session this member holds now. */
    public synchronized long sessionId() {
        return session;
    }

    /** Cuts this member off from the ensemble (true), or lets it reach it again (false). */
    public synchronized void unreachable(boolean cutOff) {
        unreachable = cutOff;
    }

    /** The ensemble expires this member's session now; the member goes on with a new one, its entry made again. */
    public synchronized void expireSession() {
        ensemble.expire(session);
        newSession();
        published.ifPresent(member -> ensemble.publish(member, session));
    }

    /**
     * The client gives its session up (it heard from no server for longer than the session timeout) while the ensemble
     * keeps it, and with it whatever it owns; the member goes on with a new one.
     */
    public synchronized void abandonSession() {
        newSession();
        published.ifPresent(member -> ensemble.publish(member, session));
    }

    /** How often this member published its entry. */
    public int publications() {
        return publications.get();
    }

    private void newSession() {
        session = ensemble.openSession();
        ownSessions.add(session);
    }

    /** Sends a request: fails as a cut-off client's does, or reaches the ensemble and touches the session. */
    private synchronized long request(String what) {
        if (unreachable || ensemble.isDown()) {
            throw new CoordinationException("could not " + what + ": ZooKeeper is unreachable");
        }
        if (!ensemble.touch(session)) {
            // the ensemble expired the session while nothing was sent: Curator makes a new one
            newSession();
            published.ifPresent(member -> ensemble.publish(member, session));
            ensemble.touch(session);
        }
        return session;
    }

    /** {@code read} as it stands once the ensemble's leader answered a sync sent now. */
    private <T> Synced<T> synced(String what, Supplier<T> read) {
        long sent = clock.nanoTime();
        long sessionNow = request(what);
        return new Synced<>(read.get(), sessionNow, liveness.answered(sessionNow, sent, sessionTimeout));
    }

    @Override
    public synchronized boolean wasOurSession(long session) {
        return session != 0 && ownSessions.contains(session);
    }

    @Override
    public Duration negotiatedSessionTimeout() {
        return sessionTimeout;
    }

    @Override
    public synchronized boolean answersWithin(Duration timeout) {
        return !unreachable && !ensemble.isDown();
    }

    @Override
    public Synced<Optional<Lease>> proveLease(Duration syncTimeout) {
        return synced("read the lease", ensemble::lease);
    }

    @Override
    public Synced<ClusterView> readSynced(Duration syncTimeout) {
        return synced("read the cluster state", ensemble::view);
    }

    @Override
    public ClusterView read() {
        request("read the cluster state");
        return ensemble.view();
    }

    @Override
    public synchronized void publish(MemberInfo member) {
        request("publish member " + member.name());
        ensemble.publish(member, session);
        published = Optional.of(member);
        publications.incrementAndGet();
    }

    @Override
    public synchronized void withdraw() {
        published.ifPresent(member -> ensemble.withdraw(member.name(), session));
        published = Optional.empty();
    }

    @Override
    public Optional<Synced<Lease>> tryAcquireLease(String name, long expectedEpoch, boolean resetSync) {
        return acquire(name, expectedEpoch, resetSync, Optional.empty());
    }

    @Override
    public synchronized Optional<Synced<Lease>> reclaimLease(
            String name, Lease stale, long expectedEpoch, boolean resetSync) {
        if (!stale.holder().equals(name) || !wasOurSession(stale.sessionId()) || stale.sessionId() == session) {
            throw new IllegalArgumentException("not a lease of an earlier session of this agent: " + stale);
        }
        return acquire(name, expectedEpoch, resetSync, Optional.of(stale));
    }

    private Optional<Synced<Lease>> acquire(
            String name, long expectedEpoch, boolean resetSync, Optional<Lease> replacing) {
        long sent = clock.nanoTime();
        long sessionNow = request("acquire the lease");
        return ensemble.acquire(name, sessionNow, expectedEpoch, resetSync, replacing)
                .map(lease -> new Synced<>(lease, sessionNow, liveness.answered(sessionNow, sent, sessionTimeout)));
    }

    @Override
    public boolean removeStrayLease(BadLease stray) {
        request("remove the persistent leader znode");
        return ensemble.removePersistentLease();
    }

    @Override
    public void releaseLease(String name) {
        ensemble.release(request("release the lease"));
    }

    @Override
    public boolean claimInitialization(String name) {
        request("claim cluster initialisation");
        return ensemble.claimInitialization(name);
    }

    @Override
    public void abandonInitialization(String name) {
        request("abandon cluster initialisation");
        ensemble.abandonInitialization(name);
    }

    @Override
    public boolean raisePrimaryTerm(String member, long term) {
        request("record the primary's term");
        return ensemble.raisePrimaryTerm(term);
    }

    @Override
    public OptionalLong latestPrimaryTerm() {
        request("read the primary's term");
        return ensemble.primaryTerm();
    }

    @Override
    public void writeSettings(Map<String, String> settings) {
        request("write /config");
        ensemble.writeSettings(settings);
    }

    @Override
    public void writeFailsafeMembers(FailsafeMembers failsafe) {
        request("write /failsafe");
        ensemble.writeFailsafe(failsafe);
    }

    @Override
    public void setMaintenance(boolean on) {
        request("write /maintenance");
        ensemble.maintenance(on);
    }

    @Override
    public boolean requestTransfer(TransferRequest request) {
        request("record the transfer request");
        return ensemble.requestTransfer(request);
    }

    @Override
    public void nameTransferCandidate(TransferRequest request, String candidate) {
        request("name the transfer candidate");
        ensemble.nameTransferCandidate(request, candidate);
    }

    @Override
    public void clearTransfer() {
        request("clear the transfer request");
        ensemble.clearTransfer();
    }

    @Override
    public void writeSync(SyncState state) {
        request("write the synchronous standby state");
        ensemble.writeSync(state);
    }

    @Override
    public void appendHistory(HistoryEntry entry) {
        request("append to the failover history");
        ensemble.appendHistory(entry);
    }

    @Override
    public List<HistoryEntry> history() {
        request("read the failover history");
        return ensemble.history();
    }

    @Override
    public Designation designation(String duty, String name) {
        return new Designation() {
            @Override
            public boolean held() {
                return ensemble.designate(duty, name);
            }

            @Override
            public void close() {
                ensemble.leaveDesignation(duty, name);
            }
        };
    }

    @Override
    public void close() {
        withdraw();
    }
}
