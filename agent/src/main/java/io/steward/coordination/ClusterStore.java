package io.steward.coordination;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The cluster's shared state, as the HA loop and the admin API read and change it: members, the primary's lease and
 * its epoch, the requests and records beside them. {@link ZooKeeperClusterStore} keeps it in ZooKeeper; a lease there
 * is an ephemeral znode, so it lasts exactly as long as the session that took it.
 *
 * <p>Reads that may prove the lease ({@link #readSynced}, {@link #proveLease}) and writes that take it come as
 * {@link Synced}: with the instant until which the session that made them cannot be expired. Every method throws
 * {@link CoordinationException} when the store cannot answer.
 */
public interface ClusterStore extends AutoCloseable {

    /** Told (on a thread of the store) of changes, so the HA loop can tick at once instead of waiting for its turn. */
    interface Listener {
        /**
         * Something of the cluster's state changed.
         *
         * @param memberUpdate true when it is only a member republishing its state (not joining or leaving)
         */
        void clusterChanged(boolean memberUpdate);

        /** The store's connection changed state (ZooKeeper: CONNECTED, SUSPENDED, RECONNECTED, LOST...). */
        void connectionChanged(String state);
    }

    /** This member's place in the election of the one member that carries out a cluster-wide duty. */
    interface Designation extends AutoCloseable {
        /** Whether this member is the designated one right now. */
        boolean held();

        /** Leaves the election (and gives the duty up, when held). */
        @Override
        void close();
    }

    /**
     * Whether {@code session} is one this store has had: a lease of such a session that is not the current one was left
     * by this very agent (a session given up after a long disconnection), not by another process of the same name.
     */
    boolean wasOurSession(long session);

    /**
     * The session timeout the ensemble granted, which bounds how long our lease outlives our last contact; while
     * disconnected, the one it granted last.
     */
    Duration negotiatedSessionTimeout();

    /**
     * Whether the ensemble's leader answers a sync of this session within {@code timeout}: whether the store can be
     * reached right now, asked rather than assumed.
     */
    boolean answersWithin(Duration timeout);

    /**
     * Reads only the lease, after a sync: what {@link #readSynced} would show of it.
     *
     * @param syncTimeout how long to wait for the sync: an unanswered sync is what a cut-off server looks like
     */
    Synced<Optional<Lease>> proveLease(Duration syncTimeout);

    /**
     * Reads everything the HA loop needs, after a sync: nothing older than the moment the ensemble's leader answered
     * the sync, which is what a lease holder may count its lease from. A bad znode is left out or worked around and
     * reported in the view's problems, never an exception, which would look like an unreachable store.
     *
     * @param syncTimeout how long to wait for the sync: an unanswered sync is what a cut-off server looks like
     */
    Synced<ClusterView> readSynced(Duration syncTimeout);

    /**
     * Reads everything without a sync: possibly behind the ensemble's leader. For showing state to people and for
     * waiting on other members, never to prove the lease.
     */
    ClusterView read();

    /** Publishes this member's state in its ephemeral entry, made again after a new session. */
    void publish(MemberInfo member);

    /** Removes this member's entry (graceful stop). */
    void withdraw();

    /**
     * Takes the lease if nobody holds it and the epoch is still {@code expectedEpoch}: at once, bumps the epoch, takes
     * the lease for this session, drops a transfer request and, with {@code resetSync}, resets the synchronous
     * standby state to "no standby yet".
     *
     * @return the new lease, with how long the committed write proves the session alive; empty when another member
     *         won the race
     */
    Optional<Synced<Lease>> tryAcquireLease(String name, long expectedEpoch, boolean resetSync);

    /**
     * Takes over the lease that still names {@code name} from an earlier session of this store ({@link #wasOurSession}):
     * as {@link #tryAcquireLease}, with the old lease removed in the same write, only if it is still that session's,
     * unchanged.
     *
     * @throws IllegalArgumentException when {@code stale} is no lease of an earlier session of this store
     */
    Optional<Synced<Lease>> reclaimLease(String name, Lease stale, long expectedEpoch, boolean resetSync);

    /**
     * Removes a persistent {@code leader} entry, which no session holds and so is no lease, only if nothing changed
     * since it was read ({@link BadLease#epochVersion}).
     *
     * @return whether this call removed it (false: it changed or went away meanwhile)
     */
    boolean removeStrayLease(BadLease stray);

    /** Gives up the lease, only if this session holds it. */
    void releaseLease(String name);

    /** Claims the right to create the cluster; exactly one member ever wins. */
    boolean claimInitialization(String name);

    /** Undoes a claim whose initialisation failed, so another attempt (by anyone) can start clean. */
    void abandonInitialization(String name);

    /**
     * For a database that elects its own primary: records that {@code member} is its primary in {@code term}, unless
     * a later term is recorded already.
     *
     * @return whether {@code term} is the latest recorded now (false: a later one is)
     */
    boolean raisePrimaryTerm(String member, long term);

    /** The latest term recorded by {@link #raisePrimaryTerm}, read after a sync; empty before any. */
    OptionalLong latestPrimaryTerm();

    /** Replaces the cluster-wide HA settings (validated by the caller). */
    void writeSettings(Map<String, String> settings);

    /** Records the members the primary counts on in failsafe mode (written by the primary only). */
    void writeFailsafeMembers(FailsafeMembers failsafe);

    void setMaintenance(boolean on);

    /**
     * Records a transfer request, in place of one that cannot be read (which nobody would carry out or drop).
     *
     * @return false when another request is already pending
     */
    boolean requestTransfer(TransferRequest request);

    /** Names the candidate in a pending request that left the choice to the primary, so only that one takes over. */
    void nameTransferCandidate(TransferRequest request, String candidate);

    void clearTransfer();

    void writeSync(SyncState state);

    void appendHistory(HistoryEntry entry);

    /** The failover history, oldest first; entries that cannot be read are left out and logged once. */
    List<HistoryEntry> history();

    /**
     * Joins the election for {@code duty}: exactly one participant holds it at a time, and it passes on when the holder
     * leaves or its session ends.
     */
    Designation designation(String duty, String name);

    /** Leaves every election, withdraws this member and disconnects. */
    @Override
    void close();
}
