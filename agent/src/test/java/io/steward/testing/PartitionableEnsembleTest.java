package io.steward.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partitionable {@link ZooKeeperEnsemble} behaves as a real ensemble on a real network does, seen by plain
 * ZooKeeper clients: cut-off servers go silent rather than away, and lose nothing when healed.
 */
@Tag("servers")
class PartitionableEnsembleTest {
    /** Long enough that a cut can be made and healed again, on a loaded machine, before a follower gives up. */
    private static final int TICK_MILLIS = 1_000;

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** The most the servers grant at this tick (20 ticks): outlasts a follower's isolation and its rejoining. */
    private static final Duration LONG_SESSION = Duration.ofSeconds(20);

    @TempDir
    static Path folder;

    static ZooKeeperEnsemble ensemble;

    @BeforeAll
    static void startEnsemble() throws Exception {
        ensemble = ZooKeeperEnsemble.startPartitionable(folder, TICK_MILLIS);
    }

    @AfterAll
    static void stopEnsemble() throws Exception {
        ensemble.close();
    }

    /** Whatever an earlier test did, every test starts with all three servers serving under one leader. */
    @BeforeEach
    void awaitAllServing() {
        await("all servers serving under one leader")
                .atMost(PATIENCE)
                .until(() -> ensemble.leaderIndex().isPresent()
                        && IntStream.range(0, ZooKeeperEnsemble.SERVERS)
                                .allMatch(server -> ensemble.mode(server).isPresent()));
    }

    @Test
    @Timeout(60)
    void withNothingCutTheEnsembleElectsOneLeaderAndServesClientsOnEveryServer() throws Exception {
        int leader = ensemble.awaitLeader(PATIENCE);
        for (int follower : othersThan(leader)) {
            assertThat(ensemble.mode(follower)).contains("follower");
        }
        String path = "/plain-" + UUID.randomUUID();
        try (ZooKeeper writer = connect(ensemble.connectString(), LONG_SESSION)) {
            writer.create(path, bytes("written"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
        for (int server = 0; server < ZooKeeperEnsemble.SERVERS; server++) {
            try (ZooKeeper pinned = connect(ensemble.connectStringOf(server), LONG_SESSION)) {
                assertThat(sync(pinned, path).get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                        .isEqualTo(Code.OK);
                assertThat(read(pinned, path)).isEqualTo("written");
            }
        }
    }

    @Test
    @Timeout(60)
    void aFollowerCutOffBrieflyServesStaleReadsHoldsItsSyncAndCatchesUpWithNothingLost() throws Exception {
        int leader = ensemble.awaitLeader(PATIENCE);
        int follower = othersThan(leader)[0];
        String path = "/brief-" + UUID.randomUUID();
        Queue<KeeperState> readerStates = new ConcurrentLinkedQueue<>();
        try (ZooKeeper writer = connect(ensemble.connectStringOf(leader), LONG_SESSION);
                ZooKeeper reader = connect(ensemble.connectStringOf(follower), LONG_SESSION, readerStates)) {
            writer.create(path, bytes("old"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(sync(reader, path).get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                    .isEqualTo(Code.OK);

            long isolatedAt = System.nanoTime();
            ensemble.isolate(follower);
            CompletableFuture<Code> sync;
            CompletableFuture<String> readAfterSync;
            try {
                writer.setData(path, bytes("new"), -1);
                assertThat(read(reader, path))
                        .as("a plain read, from the follower's own copy")
                        .isEqualTo("old");

                sync = sync(reader, path);
                // the follower answers a session's requests in order: a read queued behind a sync waits for it
                readAfterSync = readAsync(reader, path);
                await("the sync and the read behind it held")
                        .during(Duration.ofSeconds(1))
                        .atMost(Duration.ofSeconds(2))
                        .until(() -> !sync.isDone() && !readAfterSync.isDone());
                assertThat(Duration.ofNanos(System.nanoTime() - isolatedAt))
                        .as("healed before the follower could give up on its leader")
                        .isLessThan(ensemble.syncTimeout().minusMillis(TICK_MILLIS));
            } finally {
                ensemble.rejoin(follower);
            }

            // what was held on the links is delivered: the commit of "new", then the sync's answer
            assertThat(sync.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(Code.OK);
            assertThat(readAfterSync.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                    .isEqualTo("new");
            assertThat(read(reader, path)).isEqualTo("new");
            assertThat(ensemble.mode(follower)).as("it never stopped following").contains("follower");
            assertThat(readerStates).as("the reader never noticed").containsOnly(KeeperState.SyncConnected);
        }
    }

    @Test
    @Timeout(60)
    void aFollowerCutOffPastTheSyncLimitStopsServingAndRejoinsWithItsSessionsAlive() throws Exception {
        int leader = ensemble.awaitLeader(PATIENCE);
        int follower = othersThan(leader)[0];
        String path = "/long-" + UUID.randomUUID();
        try (ZooKeeper writer = connect(ensemble.connectStringOf(leader), LONG_SESSION);
                ZooKeeper reader = connect(ensemble.connectStringOf(follower), LONG_SESSION);
                ZooKeeper syncer = connect(ensemble.connectStringOf(follower), LONG_SESSION)) {
            writer.create(path, bytes("old"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            assertThat(sync(reader, path).get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                    .isEqualTo(Code.OK);
            long readerSession = reader.getSessionId();

            long isolatedAt = System.nanoTime();
            ensemble.isolate(follower);
            Duration staleFor;
            CompletableFuture<Code> sync;
            try {
                writer.setData(path, bytes("new"), -1);
                // on its own session, so that the reads below are not queued behind it
                sync = sync(syncer, path);
                List<String> staleReads = new ArrayList<>();
                await("the follower giving up on its leader")
                        .atMost(ensemble.syncTimeout().multipliedBy(3))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            boolean syncPending = !sync.isDone();
                            Optional<String> value = readIfServed(reader, path);
                            value.ifPresent(staleReads::add);
                            assertThat(syncPending || value.isEmpty())
                                    .as("no sync answered while reads are")
                                    .isTrue();
                            return value.isEmpty();
                        });
                staleFor = Duration.ofNanos(System.nanoTime() - isolatedAt);
                assertThat(staleReads).isNotEmpty().containsOnly("old");
                // it stopped following: it shut its clients out, the pending sync with them
                assertThat(sync.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(Code.CONNECTIONLOSS);
                assertThat(ensemble.mode(follower))
                        .as("looking for a leader it cannot reach")
                        .isEmpty();
            } finally {
                ensemble.rejoin(follower);
            }
            System.out.printf(
                    "partitionable ensemble: an isolated follower served %s of stale reads (tick %d ms,"
                            + " syncLimit %d)%n",
                    staleFor, TICK_MILLIS, ZooKeeperEnsemble.SYNC_LIMIT_TICKS);
            assertThat(staleFor)
                    .as("about syncLimit x tick after the last word from its leader")
                    .isBetween(
                            ensemble.syncTimeout().minusMillis(TICK_MILLIS),
                            ensemble.syncTimeout().multipliedBy(2));

            await("the follower back")
                    .atMost(PATIENCE)
                    .until(() -> ensemble.mode(follower).equals(Optional.of("follower")));
            // the leader hears a session's heartbeats only through the follower it is connected to: none arrived
            // while it was cut off, but that was shorter than the session timeout, so the session is still there
            await("the reader reconnected")
                    .atMost(PATIENCE)
                    .until(() -> reader.getState() == ZooKeeper.States.CONNECTED);
            assertThat(reader.getSessionId()).isEqualTo(readerSession);
            assertThat(sync(reader, path).get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                    .isEqualTo(Code.OK);
            assertThat(read(reader, path)).isEqualTo("new");
        }
    }

    @Test
    @Timeout(60)
    void cuttingTheLinkBetweenTwoFollowersChangesNothing() throws Exception {
        int leader = ensemble.awaitLeader(PATIENCE);
        int[] followers = othersThan(leader);
        String path = "/followers-" + UUID.randomUUID();
        ensemble.cutLink(followers[0], followers[1]);
        try {
            // followers talk only to their leader, except while electing one
            await("both still following the same leader")
                    .during(ensemble.syncTimeout().plusMillis(TICK_MILLIS))
                    .atMost(ensemble.syncTimeout().plusSeconds(10))
                    .until(() -> ensemble.leaderIndex().equals(OptionalInt.of(leader))
                            && ensemble.mode(followers[0]).equals(Optional.of("follower"))
                            && ensemble.mode(followers[1]).equals(Optional.of("follower")));
            try (ZooKeeper first = connect(ensemble.connectStringOf(followers[0]), LONG_SESSION);
                    ZooKeeper second = connect(ensemble.connectStringOf(followers[1]), LONG_SESSION)) {
                first.create(path, bytes("via the leader"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                assertThat(sync(second, path).get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                        .isEqualTo(Code.OK);
                assertThat(read(second, path)).isEqualTo("via the leader");
            }
        } finally {
            ensemble.healLink(followers[0], followers[1]);
        }
    }

    @Test
    @Timeout(60)
    void anIsolatedLeaderIsReplacedByTheOtherTwoAndRejoinsAsAFollower() throws Exception {
        int oldLeader = ensemble.awaitLeader(PATIENCE);
        ensemble.isolate(oldLeader);
        int newLeader;
        try {
            // until the old leader notices it lost its followers, two servers say "leader": leaderIndex() waits
            newLeader = await("a leader elected by the other two")
                    .atMost(ensemble.syncTimeout().plus(PATIENCE))
                    .until(ensemble::leaderIndex, leader -> leader.isPresent() && leader.getAsInt() != oldLeader)
                    .getAsInt();
            assertThat(ensemble.mode(oldLeader))
                    .as("the old leader, alone, serves nobody")
                    .isEmpty();
            String path = "/new-leader-" + UUID.randomUUID();
            try (ZooKeeper client = connect(ensemble.connectStringOf(newLeader), LONG_SESSION)) {
                client.create(path, bytes("majority"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            }
        } finally {
            ensemble.rejoin(oldLeader);
        }
        await("the old leader following the new one")
                .atMost(PATIENCE)
                .until(() -> ensemble.mode(oldLeader).equals(Optional.of("follower")));
        assertThat(ensemble.leaderIndex()).hasValue(newLeader);
    }

    @Test
    @Timeout(60)
    void aSessionAndItsEphemeralNodeSurviveAWholeEnsembleRestart() throws Exception {
        String path = "/survivor-" + UUID.randomUUID();
        try (ZooKeeper client = connect(ensemble.connectString(), Duration.ofSeconds(10))) {
            client.create(path, bytes("mine"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);

            ensemble.stopAll();
            try {
                await("the ensemble down a while")
                        .during(Duration.ofSeconds(2))
                        .atMost(Duration.ofSeconds(5))
                        .until(() -> !client.getState().isConnected());
            } finally {
                ensemble.startAll();
            }

            await("the client reconnected")
                    .atMost(PATIENCE)
                    .until(() -> client.getState() == ZooKeeper.States.CONNECTED);
            Stat stat = client.exists(path, false);
            assertThat(stat).as("kept in the servers' data").isNotNull();
            assertThat(stat.getEphemeralOwner()).isEqualTo(client.getSessionId());
        }
    }

    @Test
    @Timeout(60)
    void anOutageTheClientGivesUpOnLeavesItsEphemeralNodesForOneMoreSessionTimeout() throws Exception {
        String path = "/orphan-" + UUID.randomUUID();
        Queue<KeeperState> states = new ConcurrentLinkedQueue<>();
        try (ZooKeeper client = connect(ensemble.connectString(), Duration.ofSeconds(3), states)) {
            client.create(path, bytes("mine"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            Duration timeout = Duration.ofMillis(client.getSessionTimeout());

            ensemble.stopAll();
            try {
                // since ZOOKEEPER-4508 (3.9.3) a client that hears from no server for 4/3 of its session timeout
                // expires the session itself, without the servers
                await("the client giving up")
                        .atMost(timeout.multipliedBy(2).plus(PATIENCE))
                        .until(() -> states.contains(KeeperState.Expired));
            } finally {
                ensemble.startAll();
            }

            ensemble.awaitLeader(PATIENCE);
            long backAt = System.nanoTime();
            try (ZooKeeper observer = connect(ensemble.connectString(), LONG_SESSION)) {
                // the servers kept the session in their data and the new leader gave it a full timeout: its
                // ephemeral node, a lock or a lease, outlives the client that already considers it gone
                assertThat(observer.exists(path, false))
                        .as("the orphaned ephemeral node")
                        .isNotNull();
                await("the servers expiring the session")
                        .atMost(timeout.plus(PATIENCE))
                        .until(() -> observer.exists(path, false) == null);
            }
            Duration lingered = Duration.ofNanos(System.nanoTime() - backAt);
            System.out.printf(
                    "partitionable ensemble: an orphaned ephemeral node lingered %s after the ensemble was"
                            + " back (session timeout %s)%n",
                    lingered, timeout);
            assertThat(lingered).isLessThan(timeout.plusMillis(3L * TICK_MILLIS));
        }
    }

    private static int[] othersThan(int server) {
        return IntStream.range(0, ZooKeeperEnsemble.SERVERS)
                .filter(other -> other != server)
                .toArray();
    }

    private static ZooKeeper connect(String connectString, Duration sessionTimeout) throws Exception {
        return connect(connectString, sessionTimeout, new ConcurrentLinkedQueue<>());
    }

    /** @param states collects the connection states the client goes through, once connected */
    private static ZooKeeper connect(String connectString, Duration sessionTimeout, Queue<KeeperState> states)
            throws Exception {
        ZooKeeper client = new ZooKeeper(connectString, (int) sessionTimeout.toMillis(), event -> {
            if (event.getType() == EventType.None) {
                states.add(event.getState());
            }
        });
        await("connected to " + connectString)
                .atMost(PATIENCE)
                .until(() -> client.getState() == ZooKeeper.States.CONNECTED);
        return client;
    }

    private static String read(ZooKeeper client, String path) throws Exception {
        return new String(client.getData(path, false, null), StandardCharsets.UTF_8);
    }

    /** Empty once the server no longer answers (the client lost its connection). */
    private static Optional<String> readIfServed(ZooKeeper client, String path) throws Exception {
        try {
            return Optional.of(read(client, path));
        } catch (KeeperException.ConnectionLossException e) {
            return Optional.empty();
        }
    }

    private static CompletableFuture<String> readAsync(ZooKeeper client, String path) {
        CompletableFuture<String> value = new CompletableFuture<>();
        client.getData(
                path,
                false,
                (rc, p, ctx, data, stat) -> {
                    if (rc == Code.OK.intValue()) {
                        value.complete(new String(data, StandardCharsets.UTF_8));
                    } else {
                        value.completeExceptionally(KeeperException.create(Code.get(rc), p));
                    }
                },
                null);
        return value;
    }

    private static CompletableFuture<Code> sync(ZooKeeper client, String path) {
        CompletableFuture<Code> done = new CompletableFuture<>();
        client.sync(path, (rc, p, ctx) -> done.complete(Code.get(rc)), null);
        return done;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
