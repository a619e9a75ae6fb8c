package io.steward.coordination;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.config.ZooKeeperConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's shared state in ZooKeeper, under {@code /steward/<cluster>/}:
 * {@code members/<name>} (ephemeral), {@code leader} (ephemeral lease), {@code epoch}, {@code initialize},
 * {@code maintenance}, {@code switchover}, {@code sync} and {@code history/} ({@link FailoverHistory}).
 */
public final class ZooKeeperClusterStore implements ClusterStore {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperClusterStore.class);
    private static final String MEMBERS = "/members";
    private static final String LEADER = "/leader";
    private static final String EPOCH = "/epoch";
    private static final String INITIALIZE = "/initialize";
    private static final String MAINTENANCE = "/maintenance";
    private static final String TRANSFER = "/switchover";
    private static final String SYNC = "/sync";
    private static final String SETTINGS = "/config";
    private static final String FAILSAFE = "/failsafe";
    /** Who created the cluster when the {@code initialize} znode is unreadable: never a member's name. */
    private static final String UNKNOWN_CREATOR = "(unknown)";

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

    private final FailoverHistory history;
    private final PrimaryTerms primaryTerms;

    private ZooKeeperClusterStore(CuratorFramework client, SessionLiveness liveness) {
        this.client = client;
        this.liveness = liveness;
        this.changes = CuratorCache.build(client, "/");
        this.history = new FailoverHistory(client);
        this.primaryTerms = new PrimaryTerms(client);
    }

    /**
     * Connects to the ensemble and prepares the cluster's paths; with digest ACLs, restricts znodes that anyone may
     * change ({@link ZooKeeperAccess#restrictWorldWritable}).
     */
    public static ZooKeeperClusterStore connect(ZooKeeperConfig config, String cluster, Listener listener)
            throws InterruptedException {
        CuratorFramework client = ZooKeeperAccess.client(config, cluster);
        client.getConnectionStateListenable().addListener((c, state) -> listener.connectionChanged(state.name()));
        client.start();
        if (!client.blockUntilConnected((int) config.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
            client.close();
            throw new CoordinationException("could not connect to ZooKeeper at " + config.connect() + " within "
                    + config.connectionTimeout().toMillis() + " ms"
                    + config.tls()
                            .map(tls -> " over TLS (is each "
                                    + "server's certificate signed by a CA in " + tls.trustStore()
                                    + ", and does it listen for TLS on "
                                    + "that port?)")
                            .orElse(""));
        }
        ZooKeeperClusterStore store = new ZooKeeperClusterStore(client, new SessionLiveness(config.serverTick()));
        store.negotiatedSessionTimeout(); // remembered for when the client is disconnected
        try {
            store.ensurePaths();
            if (config.acl() == ZooKeeperConfig.Acl.DIGEST) {
                ZooKeeperAccess.restrictWorldWritable(client);
            }
        } catch (Exception e) {
            client.close();
            throw failure("prepare the cluster's znodes", e);
        }
        store.changes
                .listenable()
                .addListener(
                        (type, oldData, data) -> listener.clusterChanged(type == CuratorCacheListener.Type.NODE_CHANGED
                                && data != null
                                && data.getPath().startsWith(MEMBERS + "/")));
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

    @Override
    public boolean wasOurSession(long session) {
        return session != 0 && ownSessions.contains(session);
    }

    @Override
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

    @Override
    public boolean answersWithin(Duration timeout) {
        if (!connected()) {
            return false;
        }
        try {
            catchUp(client, "/", timeout);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public Synced<Optional<Lease>> proveLease(Duration syncTimeout) {
        try {
            return synced(() -> readLease(-1).lease(), syncTimeout);
        } catch (Exception e) {
            throw failure("read the lease", e);
        }
    }

    @Override
    public Synced<ClusterView> readSynced(Duration syncTimeout) {
        try {
            return synced(this::readView, syncTimeout);
        } catch (Exception e) {
            throw failure("read the cluster state", e);
        }
    }

    @Override
    public ClusterView read() {
        try {
            return readView();
        } catch (Exception e) {
            throw failure("read the cluster state", e);
        }
    }

    /**
     * Each znode is read and checked on its own ({@link ZnodeParser}): a bad one is left out or worked around and
     * reported in the view's problems, never an exception, which would look like an unreachable ZooKeeper.
     */
    private ClusterView readView() throws Exception {
        List<StateProblem> problems = new ArrayList<>();
        Map<String, MemberInfo> members = new HashMap<>();
        for (String name : client.getChildren().forPath(MEMBERS)) {
            String path = MEMBERS + "/" + name;
            read(path, new Stat())
                    .map(data -> ZnodeParser.member(path, name, data))
                    .flatMap(member -> usable(member, problems))
                    .ifPresent(member -> members.put(name, member));
        }
        // the epoch's version is read before the lease: see BadLease#epochVersion
        Stat epochStat = new Stat();
        Optional<byte[]> epochData = read(EPOCH, epochStat);
        LeaseReading lease = readLease(epochStat.getVersion());
        lease.bad().ifPresent(bad -> problems.add(bad.problem()));
        ZnodeParser.EpochReading epoch =
                ZnodeParser.epoch(EPOCH, epochData, epochStat.getVersion(), lease.lease(), this::highestEpochInHistory);
        epoch.problem().ifPresent(problems::add);
        Optional<String> initialized = read(INITIALIZE, new Stat())
                .map(data -> usable(ZnodeParser.initializedBy(INITIALIZE, data), problems)
                        .orElse(UNKNOWN_CREATOR));
        boolean maintenance =
                parsed(MAINTENANCE, ZnodeParser::maintenance, problems).orElse(false);
        Optional<TransferRequest> transfer = parsed(TRANSFER, ZnodeParser::transfer, problems);
        Optional<SyncState> sync = parsed(SYNC, ZnodeParser::sync, problems);
        Map<String, String> settings =
                parsed(SETTINGS, ZnodeParser::settings, problems).orElse(Map.of());
        Optional<FailsafeMembers> failsafe = parsed(FAILSAFE, ZnodeParser::failsafe, problems);
        return new ClusterView(
                members,
                lease.lease(),
                lease.bad(),
                epoch.epoch(),
                initialized,
                maintenance,
                transfer,
                sync,
                settings,
                failsafe,
                problems);
    }

    /** The znode at {@code path} parsed, when it exists and is valid; its problem added to {@code problems} when not. */
    private <T> Optional<T> parsed(
            String path, BiFunction<String, byte[], Parsed<T>> parser, List<StateProblem> problems) throws Exception {
        return read(path, new Stat()).flatMap(data -> usable(parser.apply(path, data), problems));
    }

    private static <T> Optional<T> usable(Parsed<T> parsed, List<StateProblem> problems) {
        parsed.problem().ifPresent(problems::add);
        return parsed.value();
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
        catchUp(client, "/", syncTimeout);
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
    @Override
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

    @Override
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
    @Override
    public Optional<Synced<Lease>> tryAcquireLease(String name, long expectedEpoch, boolean resetSync) {
        return acquire(name, expectedEpoch, resetSync, Optional.empty());
    }

    /**
     * Takes over the lease that still names {@code name} from an earlier session of this store ({@link #wasOurSession}):
     * as {@link #tryAcquireLease}, with the old leader znode deleted in the same transaction, only if it is still that
     * session's, unchanged.
     */
    @Override
    public Optional<Synced<Lease>> reclaimLease(String name, Lease stale, long expectedEpoch, boolean resetSync) {
        if (!stale.holder().equals(name) || !wasOurSession(stale.sessionId()) || stale.sessionId() == sessionId()) {
            throw new IllegalArgumentException("not a lease of an earlier session of this agent: " + stale);
        }
        return acquire(name, expectedEpoch, resetSync, Optional.of(stale));
    }

    private Optional<Synced<Lease>> acquire(
            String name, long expectedEpoch, boolean resetSync, Optional<Lease> replacing) {
        try {
            long session = sessionId();
            Stat epochStat = new Stat();
            Optional<byte[]> epochData = read(EPOCH, epochStat);
            // a bad epoch znode is read as readView reads it (derived, never a default); the write below repairs it
            long current = ZnodeParser.epoch(
                            EPOCH, epochData, epochStat.getVersion(), Optional.empty(), this::highestEpochInHistory)
                    .epoch();
            if (current != expectedEpoch) {
                return Optional.empty();
            }
            long epoch = current + 1;
            List<CuratorOp> ops = new ArrayList<>();
            if (replacing.isPresent()) {
                Stat leader = client.checkExists().forPath(LEADER);
                if (leader == null
                        || leader.getEphemeralOwner() != replacing.get().sessionId()) {
                    return Optional.empty();
                }
                ops.add(client.transactionOp()
                        .delete()
                        .withVersion(leader.getVersion())
                        .forPath(LEADER));
            }
            ops.add(
                    epochData.isPresent()
                            ? client.transactionOp()
                                    .setData()
                                    .withVersion(epochStat.getVersion())
                                    .forPath(EPOCH, toJson(epoch))
                            : client.transactionOp().create().forPath(EPOCH, toJson(epoch)));
            ops.add(client.transactionOp()
                    .create()
                    .withMode(CreateMode.EPHEMERAL)
                    .forPath(LEADER, toJson(new Lease(name, epoch, 0))));
            Stat transfer = client.checkExists().forPath(TRANSFER);
            if (transfer != null) {
                ops.add(client.transactionOp()
                        .delete()
                        .withVersion(transfer.getVersion())
                        .forPath(TRANSFER));
            }
            if (resetSync) {
                ops.add(syncOp(new SyncState(name, Optional.empty())));
            }
            long sent = System.nanoTime();
            client.transaction().forOperations(ops);
            // The leader committed the transaction: as good as an answered sync for the session that sent it.
            return readLease(-1)
                    .lease()
                    .filter(l -> l.holder().equals(name) && l.sessionId() == session)
                    .map(lease -> proven(lease, session, sent));
        } catch (KeeperException.NodeExistsException
                | KeeperException.BadVersionException
                | KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw failure("acquire the lease", e);
        }
    }

    /**
     * Removes a persistent {@code leader} znode (one written by hand or by a tool): no session holds it, so no agent
     * counts it as its lease ({@code Lease#sessionId} is never 0), and it would never go away by itself, leaving the
     * cluster without a primary for good. Conditional, in one transaction, on the epoch's version read before the
     * znode: every lease is taken in a transaction that moves it, so a real lease taken since (which could have the
     * same znode version, 0) is never removed.
     *
     * @return whether this call removed it (false: it changed or went away meanwhile)
     */
    @Override
    public boolean removeStrayLease(BadLease stray) {
        if (!stray.persistent()) {
            throw new IllegalArgumentException("only a persistent leader znode is removed, never a session's");
        }
        try {
            client.transaction()
                    .forOperations(
                            client.transactionOp()
                                    .check()
                                    .withVersion(stray.epochVersion())
                                    .forPath(EPOCH),
                            client.transactionOp()
                                    .delete()
                                    .withVersion(stray.version())
                                    .forPath(LEADER));
            log.warn(
                    "removed the persistent {} znode, which no session holds and so is no lease (it held: {})",
                    LEADER,
                    stray.problem().content());
            return true;
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
            return false;
        } catch (Exception e) {
            throw failure("remove the persistent leader znode", e);
        }
    }

    @Override
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

    @Override
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
     * a later term is recorded already ({@link PrimaryTerms#raise}).
     *
     * @return whether {@code term} is the latest recorded now (false: a later one is)
     */
    @Override
    public boolean raisePrimaryTerm(String member, long term) {
        try {
            return primaryTerms.raise(member, term);
        } catch (Exception e) {
            throw failure("record the primary's term", e);
        }
    }

    @Override
    public OptionalLong latestPrimaryTerm() {
        try {
            return primaryTerms.latest();
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
    static void catchUp(CuratorFramework client, String path) throws Exception {
        catchUp(client, path, Duration.ofMillis(client.getZookeeperClient().getConnectionTimeoutMs()));
    }

    private static void catchUp(CuratorFramework client, String path, Duration timeout) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger result = new AtomicInteger();
        client.sync()
                .inBackground((c, event) -> {
                    result.set(event.getResultCode());
                    done.countDown();
                })
                .forPath(path);
        if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new CoordinationException("ZooKeeper did not sync " + path + " within " + timeout.toMillis() + " ms");
        }
        if (result.get() != KeeperException.Code.OK.intValue()) {
            throw KeeperException.create(KeeperException.Code.get(result.get()), path);
        }
    }

    @Override
    public void abandonInitialization(String name) {
        try {
            if (read(INITIALIZE, new Stat())
                    .filter(data -> name.equals(new String(data, StandardCharsets.UTF_8)))
                    .isPresent()) {
                client.delete().forPath(INITIALIZE);
            }
        } catch (Exception e) {
            throw failure("abandon cluster initialisation", e);
        }
    }

    @Override
    public void writeSettings(Map<String, String> settings) {
        writePersistent(SETTINGS, toJson(new SettingsDocument(settings)));
    }

    @Override
    public void writeFailsafeMembers(FailsafeMembers failsafe) {
        writePersistent(FAILSAFE, toJson(failsafe));
    }

    @Override
    public void setMaintenance(boolean on) {
        writePersistent(MAINTENANCE, Boolean.toString(on).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean requestTransfer(TransferRequest request) {
        try {
            client.create().forPath(TRANSFER, toJson(request));
            return true;
        } catch (KeeperException.NodeExistsException e) {
            return replaceUnreadableTransfer(request);
        } catch (Exception e) {
            throw failure("record the transfer request", e);
        }
    }

    private boolean replaceUnreadableTransfer(TransferRequest request) {
        try {
            Stat stat = new Stat();
            Optional<byte[]> pending = read(TRANSFER, stat);
            if (pending.isEmpty()) {
                return requestTransfer(request);
            }
            Parsed<TransferRequest> parsed = ZnodeParser.transfer(TRANSFER, pending.get());
            if (parsed.value().isPresent()) {
                return false;
            }
            client.setData().withVersion(stat.getVersion()).forPath(TRANSFER, toJson(request));
            log.warn(
                    "replaced the unreadable {} znode (it held: {}) with a new request",
                    TRANSFER,
                    parsed.problem().get().content());
            return true;
        } catch (KeeperException.BadVersionException e) {
            return false;
        } catch (Exception e) {
            throw failure("record the transfer request", e);
        }
    }

    @Override
    public void nameTransferCandidate(TransferRequest request, String candidate) {
        try {
            client.setData().forPath(TRANSFER, toJson(request.withCandidate(candidate)));
        } catch (Exception e) {
            throw failure("name the transfer candidate", e);
        }
    }

    @Override
    public void clearTransfer() {
        try {
            client.delete().forPath(TRANSFER);
        } catch (KeeperException.NoNodeException e) {
            // already done by the member that took over
        } catch (Exception e) {
            throw failure("clear the transfer request", e);
        }
    }

    @Override
    public void writeSync(SyncState state) {
        try {
            client.transaction().forOperations(syncOp(state));
        } catch (Exception e) {
            throw failure("write the synchronous standby state", e);
        }
    }

    @Override
    public void appendHistory(HistoryEntry entry) {
        try {
            history.append(entry);
        } catch (Exception e) {
            throw failure("append to the failover history", e);
        }
    }

    @Override
    public List<HistoryEntry> history() {
        try {
            return history.entries();
        } catch (Exception e) {
            throw failure("read the failover history", e);
        }
    }

    /** The highest epoch the history records: see {@link ZnodeParser#epoch}. */
    private long highestEpochInHistory() {
        try {
            return history.highestEpoch();
        } catch (Exception e) {
            throw failure("read the failover history", e);
        }
    }

    /**
     * Joins the election for {@code duty} (a Curator leader latch under {@code /designated/<duty>}): exactly one
     * participant holds it at a time, and it passes on when the holder leaves or its session ends.
     */
    @Override
    public Designation designation(String duty, String name) {
        try {
            Designation designation = LatchDesignation.join(client, duty, name);
            designations.add(designation);
            return designation;
        } catch (Exception e) {
            throw failure("join the election for " + duty, e);
        }
    }

    @Override
    public void close() {
        designations.forEach(Designation::close);
        withdraw();
        changes.close();
        client.close();
    }

    /**
     * The {@code leader} znode: a lease, or a znode that is none (unreadable: its holder is unknown; persistent: no
     * session holds it), or nothing.
     *
     * @param epochVersion the epoch's version read just before, for {@link #removeStrayLease}
     */
    private LeaseReading readLease(int epochVersion) throws Exception {
        Stat stat = new Stat();
        Optional<byte[]> data = read(LEADER, stat);
        if (data.isEmpty()) {
            return new LeaseReading(Optional.empty(), Optional.empty());
        }
        long owner = stat.getEphemeralOwner();
        if (owner == 0) {
            StateProblem notALease = StateProblem.of(
                    LEADER,
                    data.get(),
                    "a persistent znode, which no session holds: "
                            + "no lease (it would never go away by itself); removed by the first agent that sees it");
            return new LeaseReading(
                    Optional.empty(), Optional.of(new BadLease(notALease, 0, false, stat.getVersion(), epochVersion)));
        }
        Parsed<Lease> lease = ZnodeParser.lease(LEADER, data.get(), owner);
        return lease.problem()
                .map(problem -> new LeaseReading(
                        Optional.empty(),
                        Optional.of(
                                new BadLease(problem, owner, owner == sessionId(), stat.getVersion(), epochVersion))))
                .orElseGet(() -> new LeaseReading(lease.value(), Optional.empty()));
    }

    /** What the {@code leader} znode holds: at most one of a usable lease and a bad one. */
    private record LeaseReading(Optional<Lease> lease, Optional<BadLease> bad) {}

    private CuratorOp syncOp(SyncState state) throws Exception {
        Stat stat = client.checkExists().forPath(SYNC);
        return stat == null
                ? client.transactionOp().create().forPath(SYNC, toJson(state))
                : client.transactionOp().setData().forPath(SYNC, toJson(state));
    }

    private void ensurePaths() {
        try {
            for (String path : List.of(MEMBERS, FailoverHistory.PATH)) {
                if (client.checkExists().forPath(path) == null) {
                    client.create().creatingParentContainersIfNeeded().forPath(path);
                }
            }
            if (client.checkExists().forPath(EPOCH) == null) {
                // made again after someone deleted it: from the history, so that no earlier epoch is taken again
                client.create().forPath(EPOCH, toJson(highestEpochInHistory()));
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

    /** The znode's content, its stat stored in {@code stat}; empty when it does not exist. */
    private Optional<byte[]> read(String path, Stat stat) throws Exception {
        try {
            return Optional.of(client.getData().storingStatIn(stat).forPath(path));
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
}
