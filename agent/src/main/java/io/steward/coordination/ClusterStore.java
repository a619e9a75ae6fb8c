package io.steward.coordination;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.config.ZooKeeperConfig;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cluster's shared state in ZooKeeper, under {@code /steward/<cluster>/}:
 * {@code members/<name>} (ephemeral), {@code leader} (ephemeral lease), {@code epoch}, {@code initialize},
 * {@code maintenance}, {@code switchover}, {@code sync} and {@code history/}.
 */
public final class ClusterStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterStore.class);
    private static final String MEMBERS = "/members";
    private static final String LEADER = "/leader";
    private static final String EPOCH = "/epoch";
    private static final String INITIALIZE = "/initialize";
    private static final String MAINTENANCE = "/maintenance";
    private static final String TRANSFER = "/switchover";
    private static final String SYNC = "/sync";
    private static final String HISTORY = "/history";
    private static final String SETTINGS = "/config";
    private static final String PRIMARY_TERM = "/primary-term";
    private static final String FAILSAFE = "/failsafe";
    private static final int HISTORY_KEPT = 100;

    private final CuratorFramework client;
    private final ObjectMapper json = Json.mapper();
    private final CuratorCache changes;
    private final SessionLiveness liveness;
    private volatile int lastGrantedTimeoutMillis;
    /** Every session this store has had ({@link #wasOurSession}). */
    private final java.util.Set<Long> ownSessions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private PersistentNode memberNode;
    /** Every election joined through {@link #designation}, left when the store closes at the latest. */
    private final List<Designation> designations = new CopyOnWriteArrayList<>();

    private ClusterStore(CuratorFramework client, SessionLiveness liveness) {
        this.client = client;
        this.liveness = liveness;
        this.changes = CuratorCache.build(client, "/");
    }

    /** Told (on a Curator thread) of changes, so the HA loop can tick at once instead of waiting for its turn. */
    public interface Listener {
        /**
         * Something under the cluster's path changed.
         *
         * @param memberUpdate true when it is only a member republishing its state (not joining or leaving)
         */
        void clusterChanged(boolean memberUpdate);

        void connectionChanged(ConnectionState state);
    }

    /** Connects to the ensemble and prepares the cluster's paths. */
    public static ClusterStore connect(ZooKeeperConfig config, String cluster, Listener listener)
            throws InterruptedException {
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(config.connect())
                .namespace("steward/" + cluster)
                .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) config.connectionTimeout().toMillis())
                // The HA loop retries on its own every tick; a long retry inside one call would only delay it.
                .retryPolicy(new RetryNTimes(1, 100))
                // Keep to the configured servers: the ensemble's own view of its members may name addresses this
                // node must not use (another network, a proxy in between).
                .ensembleTracker(false);
        if (config.digestUser().isPresent()) {
            String credentials = config.digestUser().get() + ":" + config.digestPassword().orElse("");
            builder.authorization("digest", credentials.getBytes(StandardCharsets.UTF_8))
                    .aclProvider(new CreatorOnlyAcl());
        }
        CuratorFramework client = builder.build();
        client.getConnectionStateListenable().addListener((c, state) -> listener.connectionChanged(state));
        client.start();
        if (!client.blockUntilConnected((int) config.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
            client.close();
            throw new CoordinationException("could not connect to ZooKeeper at " + config.connect() + " within "
                    + config.connectionTimeout().toMillis() + " ms");
        }
        ClusterStore store = new ClusterStore(client, new SessionLiveness(config.serverTick()));
        store.negotiatedSessionTimeout(); // remembered for when the client is disconnected
        store.ensurePaths();
        store.changes.listenable().addListener((type, oldData, data) -> listener.clusterChanged(
                type == CuratorCacheListener.Type.NODE_CHANGED && data != null && data.getPath().startsWith(MEMBERS + "/")));
        store.changes.start();
        return store;
    }

    /** The ZooKeeper session this agent holds now; a lease is ours only if its znode belongs to this session. */
    public long sessionId() {
        try {
            long session = client.getZookeeperClient().getZooKeeper().getSessionId();
            if (session != 0) {
                ownSessions.add(session);
            }
            return session;
        } catch (Exception e) {
            return 0;
        }
    }

    /**
     * Whether {@code session} is one this store has had: a lease of such a session that is not the current one was left
     * by this very agent (a session Curator gave up after a long disconnection), not by another process of the same name.
     */
    public boolean wasOurSession(long session) {
        return session != 0 && ownSessions.contains(session);
    }

    /**
     * The session timeout the ensemble granted, which bounds how long our lease outlives our last contact; while
     * disconnected (the client then knows none), the one it granted last.
     */
    public Duration negotiatedSessionTimeout() {
        try {
            int granted = client.getZookeeperClient().getZooKeeper().getSessionTimeout();
            if (granted > 0) {
                lastGrantedTimeoutMillis = granted;
            }
        } catch (Exception e) {
            // not connected: keep the last one
        }
        return Duration.ofMillis(lastGrantedTimeoutMillis);
    }

    public boolean connected() {
        return client.getZookeeperClient().isConnected();
    }

    /**
     * Whether the ensemble's leader answers a sync of this session within {@code timeout}: whether ZooKeeper can be
     * reached right now, asked rather than assumed (a client learns that its server has gone silent only after two
     * thirds of the session timeout).
     */
    public boolean answersWithin(Duration timeout) {
        if (!connected()) {
            return false;
        }
        try {
            catchUp("/", timeout);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Reads only the lease, after a sync: what {@link #readSynced} would show of it. Throws
     * {@link CoordinationException} when ZooKeeper cannot answer.
     *
     * @param syncTimeout how long to wait for the sync: an unanswered sync is what a cut-off server looks like
     */
    public Synced<Optional<Lease>> proveLease(Duration syncTimeout) {
        try {
            return synced(this::readLease, syncTimeout);
        } catch (Exception e) {
            throw failure("read the lease", e);
        }
    }

    /**
     * Reads everything the HA loop needs, after a sync: nothing older than the moment the ensemble's leader answered
     * the sync, which is what a lease holder may count its lease from. Throws {@link CoordinationException} when
     * ZooKeeper cannot answer (a server cut off from its leader does not answer a sync).
     *
     * @param syncTimeout how long to wait for the sync: an unanswered sync is what a cut-off server looks like
     */
    public Synced<ClusterView> readSynced(Duration syncTimeout) {
        try {
            return synced(this::readView, syncTimeout);
        } catch (Exception e) {
            throw failure("read the cluster state", e);
        }
    }

    /**
     * Reads everything as the server this session talks to knows it, without a sync: possibly behind the ensemble's
     * leader (a follower answers from its own copy, even cut off from the leader). For showing state to people and
     * for waiting on other members, never to prove the lease.
     */
    public ClusterView read() {
        try {
            return readView();
        } catch (Exception e) {
            throw failure("read the cluster state", e);
        }
    }

    private ClusterView readView() throws Exception {
        Map<String, MemberInfo> members = new HashMap<>();
        for (String name : client.getChildren().forPath(MEMBERS)) {
            readJson(MEMBERS + "/" + name, MemberInfo.class).ifPresent(m -> members.put(m.name(), m));
        }
        Optional<Lease> lease = readLease();
        long epoch = readJson(EPOCH, Long.class).orElse(0L);
        Optional<String> initialized = readText(INITIALIZE);
        boolean maintenance = readText(MAINTENANCE).map(Boolean::parseBoolean).orElse(false);
        Optional<TransferRequest> transfer = readJson(TRANSFER, TransferRequest.class);
        Optional<SyncState> sync = readJson(SYNC, SyncState.class);
        Map<String, String> settings = readJson(SETTINGS, SettingsDocument.class).map(SettingsDocument::settings)
                .orElse(Map.of());
        Optional<FailsafeMembers> failsafe = readJson(FAILSAFE, FailsafeMembers.class);
        return new ClusterView(members, lease, epoch, initialized, maintenance, transfer, sync, settings, failsafe);
    }

    /** What {@code read} returns once the ensemble's leader has answered a sync sent before it. */
    private <T> Synced<T> synced(ZooKeeperRead<T> read, Duration syncTimeout) throws Exception {
        if (!connected()) {
            // Curator would wait up to the connection timeout for a connection: a loop that must fence, or start its
            // server read-only, without ZooKeeper cannot wait that long to learn that ZooKeeper is not there
            throw new CoordinationException("not connected to ZooKeeper");
        }
        long session = sessionId();
        long sent = System.nanoTime();
        catchUp("/", syncTimeout);
        T value = read.run();
        return proven(value, session, sent);
    }

    /**
     * {@code value}, obtained by a request of {@code session} sent at {@code sent} that the leader answered (a sync,
     * or a write), with how long that keeps the session alive; nothing is proven when the session changed meanwhile.
     */
    private <T> Synced<T> proven(T value, long session, long sent) {
        if (session == 0 || session != sessionId()) {
            return new Synced<>(value, sessionId(), Long.MIN_VALUE);
        }
        return new Synced<>(value, session, liveness.answered(session, sent, negotiatedSessionTimeout()));
    }

    @FunctionalInterface
    private interface ZooKeeperRead<T> {
        T run() throws Exception;
    }

    /** Publishes this member's state in its ephemeral znode, recreated by Curator after a new session. */
    public synchronized void publish(MemberInfo member) {
        byte[] data = toJson(member);
        if (memberNode == null) {
            memberNode = new PersistentNode(client, CreateMode.EPHEMERAL, false, MEMBERS + "/" + member.name(), data);
            memberNode.start();
            return;
        }
        try {
            memberNode.setData(data);
        } catch (Exception e) {
            throw failure("publish member " + member.name(), e);
        }
    }

    /** Removes this member's znode (graceful stop). */
    public synchronized void withdraw() {
        if (memberNode != null) {
            try {
                memberNode.close();
            } catch (IOException e) {
                log.warn("could not remove the member znode: {}", e.getMessage());
            }
            memberNode = null;
        }
    }

    /**
     * Takes the lease if nobody holds it and the epoch is still {@code expectedEpoch}: in one ZooKeeper
     * transaction, bumps the epoch, creates the ephemeral leader znode, drops a transfer request that named us
     * and, in synchronous mode, resets the sync state to "no standby yet".
     *
     * @return the new lease, with how long the committed transaction proves the session alive; empty when another
     *         member won the race
     */
    public Optional<Synced<Lease>> tryAcquireLease(String name, long expectedEpoch, boolean resetSync) {
        return acquire(name, expectedEpoch, resetSync, Optional.empty());
    }

    /**
     * Takes over the lease that still names {@code name} from an earlier session of this store ({@link #wasOurSession}):
     * as {@link #tryAcquireLease}, with the old leader znode deleted in the same transaction, only if it is still that
     * session's, unchanged.
     */
    public Optional<Synced<Lease>> reclaimLease(String name, Lease stale, long expectedEpoch, boolean resetSync) {
        if (!stale.holder().equals(name) || !wasOurSession(stale.sessionId()) || stale.sessionId() == sessionId()) {
            throw new IllegalArgumentException("not a lease of an earlier session of this agent: " + stale);
        }
        return acquire(name, expectedEpoch, resetSync, Optional.of(stale));
    }

    private Optional<Synced<Lease>> acquire(String name, long expectedEpoch, boolean resetSync, Optional<Lease> replacing) {
        try {
            long session = sessionId();
            Stat epochStat = new Stat();
            long current = json.readValue(client.getData().storingStatIn(epochStat).forPath(EPOCH), Long.class);
            if (current != expectedEpoch) {
                return Optional.empty();
            }
            long epoch = current + 1;
            List<CuratorOp> ops = new ArrayList<>();
            if (replacing.isPresent()) {
                Stat leader = client.checkExists().forPath(LEADER);
                if (leader == null || leader.getEphemeralOwner() != replacing.get().sessionId()) {
                    return Optional.empty();
                }
                ops.add(client.transactionOp().delete().withVersion(leader.getVersion()).forPath(LEADER));
            }
            ops.add(client.transactionOp().setData().withVersion(epochStat.getVersion()).forPath(EPOCH, toJson(epoch)));
            ops.add(client.transactionOp().create().withMode(CreateMode.EPHEMERAL)
                    .forPath(LEADER, toJson(new Lease(name, epoch, 0))));
            Stat transfer = client.checkExists().forPath(TRANSFER);
            if (transfer != null) {
                ops.add(client.transactionOp().delete().withVersion(transfer.getVersion()).forPath(TRANSFER));
            }
            if (resetSync) {
                ops.add(syncOp(new SyncState(name, Optional.empty())));
            }
            long sent = System.nanoTime();
            client.transaction().forOperations(ops);
            // The leader committed the transaction: as good as an answered sync for the session that sent it.
            return readLease().filter(l -> l.holder().equals(name) && l.sessionId() == session)
                    .map(lease -> proven(lease, session, sent));
        } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException
                 | KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw failure("acquire the lease", e);
        }
    }

    /** Gives up the lease, only if this session holds it. */
    public void releaseLease(String name) {
        try {
            Stat stat = client.checkExists().forPath(LEADER);
            if (stat != null && stat.getEphemeralOwner() == sessionId()) {
                client.delete().withVersion(stat.getVersion()).forPath(LEADER);
            }
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
            log.debug("lease already gone when {} released it", name);
        } catch (Exception e) {
            throw failure("release the lease", e);
        }
    }

    /** Claims the right to create the cluster; exactly one member ever wins. */
    public boolean claimInitialization(String name) {
        try {
            client.create().withMode(CreateMode.PERSISTENT).forPath(INITIALIZE, name.getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (KeeperException.NodeExistsException e) {
            return false;
        } catch (Exception e) {
            throw failure("claim cluster initialisation", e);
        }
    }

    /**
     * For a database that elects its own primary: records that {@code member} is its primary in {@code term}, unless
     * a later term is recorded already (a primary that has not noticed its successor). Compare-and-set on the znode's
     * version, so that two primaries of different terms never overwrite each other's record out of order.
     *
     * @return whether {@code term} is the latest recorded now (false: a later one is)
     */
    public boolean raisePrimaryTerm(String member, long term) {
        try {
            catchUp(PRIMARY_TERM);
            while (true) {
                Stat stat = new Stat();
                Optional<PrimaryTerm> recorded;
                try {
                    recorded = Optional.of(json.readValue(client.getData().storingStatIn(stat).forPath(PRIMARY_TERM),
                            PrimaryTerm.class));
                } catch (KeeperException.NoNodeException e) {
                    recorded = Optional.empty();
                }
                if (recorded.isPresent() && recorded.get().term() > term) {
                    return false;
                }
                if (recorded.isPresent() && recorded.get().equals(new PrimaryTerm(term, member))) {
                    return true;
                }
                try {
                    if (recorded.isEmpty()) {
                        client.create().forPath(PRIMARY_TERM, toJson(new PrimaryTerm(term, member)));
                    } else {
                        client.setData().withVersion(stat.getVersion()).forPath(PRIMARY_TERM, toJson(new PrimaryTerm(term, member)));
                    }
                    return true;
                } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException e) {
                    // another primary wrote first: read again
                }
            }
        } catch (Exception e) {
            throw failure("record the primary's term", e);
        }
    }

    /** The latest term recorded by {@link #raisePrimaryTerm}, read now; empty before any. */
    public OptionalLong latestPrimaryTerm() {
        try {
            catchUp(PRIMARY_TERM);
            return readJson(PRIMARY_TERM, PrimaryTerm.class).map(t -> OptionalLong.of(t.term())).orElse(OptionalLong.empty());
        } catch (Exception e) {
            throw failure("read the primary's term", e);
        }
    }

    /**
     * Has the server this session talks to catch up with the ensemble's leader before the next read: a follower may
     * lag behind writes another member's session made through another server, and a term read from it could prove a
     * deposed primary's. ZooKeeper answers a session's requests in order, so a read sent once the sync is done sees
     * every write committed before the sync.
     */
    private void catchUp(String path) throws Exception {
        catchUp(path, Duration.ofMillis(client.getZookeeperClient().getConnectionTimeoutMs()));
    }

    private void catchUp(String path, Duration timeout) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger result = new AtomicInteger();
        client.sync().inBackground((c, event) -> {
            result.set(event.getResultCode());
            done.countDown();
        }).forPath(path);
        if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new CoordinationException("ZooKeeper did not sync " + path + " within " + timeout.toMillis() + " ms");
        }
        if (result.get() != KeeperException.Code.OK.intValue()) {
            throw KeeperException.create(KeeperException.Code.get(result.get()), path);
        }
    }

    /** The znode {@value #PRIMARY_TERM}: the database's own election term and the member it elected then. */
    record PrimaryTerm(long term, String member) {
    }

    /** Undoes a claim whose initialisation failed, so another attempt (by anyone) can start clean. */
    public void abandonInitialization(String name) {
        try {
            if (readText(INITIALIZE).filter(name::equals).isPresent()) {
                client.delete().forPath(INITIALIZE);
            }
        } catch (Exception e) {
            throw failure("abandon cluster initialisation", e);
        }
    }

    /** Replaces the cluster-wide HA settings (validated by the caller). */
    public void writeSettings(Map<String, String> settings) {
        writePersistent(SETTINGS, toJson(new SettingsDocument(settings)));
    }

    /** The {@code config} znode: cluster-wide HA settings, keyed as in the {@code ha:} section. */
    private record SettingsDocument(Map<String, String> settings) {
        SettingsDocument {
            settings = settings == null ? Map.of() : Map.copyOf(settings);
        }
    }

    /** Records the members the primary counts on in failsafe mode (written by the primary only). */
    public void writeFailsafeMembers(FailsafeMembers failsafe) {
        writePersistent(FAILSAFE, toJson(failsafe));
    }

    public void setMaintenance(boolean on) {
        writePersistent(MAINTENANCE, Boolean.toString(on).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Records a transfer request.
     *
     * @return false when another request is already pending
     */
    public boolean requestTransfer(TransferRequest request) {
        try {
            client.create().forPath(TRANSFER, toJson(request));
            return true;
        } catch (KeeperException.NodeExistsException e) {
            return false;
        } catch (Exception e) {
            throw failure("record the transfer request", e);
        }
    }

    /** Names the candidate in a pending request that left the choice to the primary, so only that one takes over. */
    public void nameTransferCandidate(TransferRequest request, String candidate) {
        try {
            client.setData().forPath(TRANSFER, toJson(new TransferRequest(request.kind(), request.from(),
                    Optional.of(candidate), request.requestedAtMillis())));
        } catch (Exception e) {
            throw failure("name the transfer candidate", e);
        }
    }

    public void clearTransfer() {
        try {
            client.delete().forPath(TRANSFER);
        } catch (KeeperException.NoNodeException e) {
            // already done by the member that took over
        } catch (Exception e) {
            throw failure("clear the transfer request", e);
        }
    }

    public void writeSync(SyncState state) {
        try {
            client.transaction().forOperations(syncOp(state));
        } catch (Exception e) {
            throw failure("write the synchronous standby state", e);
        }
    }

    public void appendHistory(HistoryEntry entry) {
        try {
            client.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(HISTORY + "/h-", toJson(entry));
            List<String> names = new ArrayList<>(client.getChildren().forPath(HISTORY));
            names.sort(Comparator.naturalOrder());
            for (int i = 0; i < names.size() - HISTORY_KEPT; i++) {
                client.delete().forPath(HISTORY + "/" + names.get(i));
            }
        } catch (Exception e) {
            throw failure("append to the failover history", e);
        }
    }

    public List<HistoryEntry> history() {
        try {
            List<String> names = new ArrayList<>(client.getChildren().forPath(HISTORY));
            names.sort(Comparator.naturalOrder());
            List<HistoryEntry> entries = new ArrayList<>();
            for (String name : names) {
                readJson(HISTORY + "/" + name, HistoryEntry.class).ifPresent(entries::add);
            }
            return entries;
        } catch (Exception e) {
            throw failure("read the failover history", e);
        }
    }

    /** This member's place in the election of the one member that carries out a cluster-wide duty. */
    public interface Designation extends AutoCloseable {
        /** Whether this member is the designated one right now. */
        boolean held();

        /** Leaves the election (and gives the duty up, when held). */
        @Override
        void close();
    }

    /**
     * Joins the election for {@code duty} (a Curator leader latch under {@code /designated/<duty>}): exactly one
     * participant holds it at a time, and it passes on when the holder leaves or its session ends.
     */
    public Designation designation(String duty, String name) {
        LeaderLatch latch = new LeaderLatch(client, "/designated/" + duty, name);
        try {
            latch.start();
        } catch (Exception e) {
            throw failure("join the election for " + duty, e);
        }
        Designation designation = new Designation() {
            @Override
            public boolean held() {
                return latch.hasLeadership();
            }

            @Override
            public void close() {
                try {
                    latch.close();
                } catch (IOException | IllegalStateException e) {
                    // already closed, or the session is gone: the duty has passed on either way
                }
            }
        };
        designations.add(designation);
        return designation;
    }

    @Override
    public void close() {
        designations.forEach(Designation::close);
        withdraw();
        changes.close();
        client.close();
    }

    private Optional<Lease> readLease() throws Exception {
        Stat stat = new Stat();
        try {
            byte[] data = client.getData().storingStatIn(stat).forPath(LEADER);
            Lease stored = json.readValue(data, Lease.class);
            return Optional.of(new Lease(stored.holder(), stored.epoch(), stat.getEphemeralOwner()));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
    }

    private CuratorOp syncOp(SyncState state) throws Exception {
        Stat stat = client.checkExists().forPath(SYNC);
        return stat == null
                ? client.transactionOp().create().forPath(SYNC, toJson(state))
                : client.transactionOp().setData().forPath(SYNC, toJson(state));
    }

    private void ensurePaths() {
        try {
            for (String path : List.of(MEMBERS, HISTORY)) {
                if (client.checkExists().forPath(path) == null) {
                    client.create().creatingParentContainersIfNeeded().forPath(path);
                }
            }
            if (client.checkExists().forPath(EPOCH) == null) {
                client.create().forPath(EPOCH, toJson(0L));
            }
        } catch (KeeperException.NodeExistsException e) {
            // another member created it at the same moment
        } catch (Exception e) {
            throw failure("create the cluster's paths", e);
        }
    }

    private void writePersistent(String path, byte[] data) {
        try {
            if (client.checkExists().forPath(path) == null) {
                client.create().forPath(path, data);
            } else {
                client.setData().forPath(path, data);
            }
        } catch (Exception e) {
            throw failure("write " + path, e);
        }
    }

    private <T> Optional<T> readJson(String path, Class<T> type) throws Exception {
        try {
            return Optional.of(json.readValue(client.getData().forPath(path), type));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (IOException e) {
            log.warn("ignoring unreadable znode {}: {}", path, e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<String> readText(String path) throws Exception {
        try {
            return Optional.of(new String(client.getData().forPath(path), StandardCharsets.UTF_8));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
    }

    private byte[] toJson(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CoordinationException failure(String what, Exception cause) {
        if (cause instanceof CoordinationException ce) {
            return ce;
        }
        return new CoordinationException("could not " + what + ": " + cause, cause);
    }

    /** Znodes readable and writable only by the identity that created them (digest auth). */
    private static final class CreatorOnlyAcl implements ACLProvider {
        @Override
        public List<ACL> getDefaultAcl() {
            return ZooDefs.Ids.CREATOR_ALL_ACL;
        }

        @Override
        public List<ACL> getAclForPath(String path) {
            return ZooDefs.Ids.CREATOR_ALL_ACL;
        }
    }
}
