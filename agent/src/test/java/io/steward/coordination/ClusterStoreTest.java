package io.steward.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.steward.config.ZooKeeperConfig;
import io.steward.engine.Endpoint;
import io.steward.engine.Role;
import io.steward.testing.ZooKeeperEnsemble;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("servers")
class ClusterStoreTest {
    @TempDir
    static Path folder;

    static ZooKeeperEnsemble ensemble;

    @BeforeAll
    static void startEnsemble() throws Exception {
        ensemble = ZooKeeperEnsemble.start(folder);
    }

    @AfterAll
    static void stopEnsemble() throws Exception {
        ensemble.close();
    }

    static final ClusterStore.Listener QUIET = new ClusterStore.Listener() {
        @Override
        public void clusterChanged(boolean memberUpdate) {}

        @Override
        public void connectionChanged(String state) {}
    };

    /** The credentials every test store shares, as the members of one cluster do. */
    static final ZooKeeperConfig.Digest CREDENTIALS = new ZooKeeperConfig.Digest("steward", "s3cret");

    /** Digest ACLs with {@link #CREDENTIALS}, as agents run. */
    static ZooKeeperConfig digest(String connect, Duration session, Duration connection, Duration tick) {
        return new ZooKeeperConfig(
                connect,
                session,
                connection,
                tick,
                ZooKeeperConfig.Acl.DIGEST,
                Optional.of(CREDENTIALS),
                Optional.empty());
    }

    static ZooKeeperConfig zk(ZooKeeperConfig.Acl acl, Optional<ZooKeeperConfig.Digest> credentials) {
        return new ZooKeeperConfig(
                ensemble.connectString(),
                Duration.ofSeconds(5),
                Duration.ofSeconds(10),
                Duration.ofMillis(ZooKeeperEnsemble.TEST_TICK_MILLIS),
                acl,
                credentials,
                Optional.empty());
    }

    static ZooKeeperClusterStore store(String cluster) throws InterruptedException {
        return ZooKeeperClusterStore.connect(zk(ZooKeeperConfig.Acl.DIGEST, Optional.of(CREDENTIALS)), cluster, QUIET);
    }

    static MemberInfo member(String name, long position) {
        return new MemberInfo(
                name,
                Role.REPLICA,
                true,
                new Endpoint("127.0.0.1", 5432),
                "http://x",
                position,
                1,
                Optional.empty(),
                false,
                false,
                100,
                "test",
                System.currentTimeMillis(),
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                false);
    }

    @Test
    void exactlyOneOfManyRacingMembersTakesTheLeaseAndTheEpochMovesOnce() throws Exception {
        String cluster = "race-" + UUID.randomUUID();
        List<ZooKeeperClusterStore> stores = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            for (int i = 0; i < 5; i++) {
                stores.add(store(cluster));
            }
            List<Future<Optional<Lease>>> attempts = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ZooKeeperClusterStore store = stores.get(i);
                String name = "m" + i;
                attempts.add(pool.submit((Callable<Optional<Lease>>)
                        () -> store.tryAcquireLease(name, 0, false).map(Synced::value)));
            }
            List<Lease> won = new ArrayList<>();
            for (Future<Optional<Lease>> attempt : attempts) {
                attempt.get().ifPresent(won::add);
            }
            assertThat(won).hasSize(1);
            ClusterView view = stores.get(0).read();
            assertThat(view.epoch()).isEqualTo(1);
            assertThat(view.lease()).contains(won.get(0));
            assertThat(won.get(0).epoch()).isEqualTo(1);
            int winner = Integer.parseInt(won.get(0).holder().substring(1));
            assertThat(won.get(0).sessionId()).isEqualTo(stores.get(winner).sessionId());

            // A stale epoch can never take a lease, even once it is free.
            stores.get(winner).releaseLease(won.get(0).holder());
            eventually(() -> assertThat(stores.get(0).read().lease()).isEmpty());
            assertThat(stores.get((winner + 1) % 5).tryAcquireLease("late", 0, false))
                    .isEmpty();
            assertThat(stores.get((winner + 1) % 5).tryAcquireLease("next", 1, false))
                    .map(l -> l.value().epoch())
                    .contains(2L);
        } finally {
            pool.shutdownNow();
            stores.forEach(ZooKeeperClusterStore::close);
        }
    }

    @Test
    void onlyTheHolderCanReleaseAndTheLeaseDiesWithItsSession() throws Exception {
        String cluster = "release-" + UUID.randomUUID();
        try (ZooKeeperClusterStore a = store(cluster);
                ZooKeeperClusterStore b = store(cluster)) {
            assertThat(a.tryAcquireLease("a", 0, false)).isPresent();
            eventually(() -> assertThat(b.read().lease()).map(Lease::holder).contains("a"));
            b.releaseLease("a");
            assertThat(b.read().lease()).map(Lease::holder).contains("a");
            a.close();
            await().atMost(Duration.ofSeconds(30)).until(() -> b.read().lease().isEmpty());
        }
    }

    @Test
    void theRecordedPrimaryTermOnlyMovesForwardAndNamesItsMember() throws Exception {
        String cluster = "terms-" + UUID.randomUUID();
        try (ZooKeeperClusterStore a = store(cluster);
                ZooKeeperClusterStore b = store(cluster)) {
            assertThat(a.latestPrimaryTerm()).isEmpty();

            assertThat(a.raisePrimaryTerm("a", 3)).isTrue();
            assertThat(a.raisePrimaryTerm("a", 3)).as("the same primary again").isTrue();
            // no waiting: the two stores may talk to different servers, and the term is read after a sync
            assertThat(b.latestPrimaryTerm()).hasValue(3);
            assertThat(b.raisePrimaryTerm("b", 2))
                    .as("a primary of an older term")
                    .isFalse();
            assertThat(b.raisePrimaryTerm("b", 4)).isTrue();
            assertThat(a.raisePrimaryTerm("a", 3))
                    .as("the deposed one, not noticing yet")
                    .isFalse();
            assertThat(a.latestPrimaryTerm()).hasValue(4);
        }
    }

    @Test
    void membersArePublishedUpdatedAndWithdrawn() throws Exception {
        String cluster = "members-" + UUID.randomUUID();
        try (ZooKeeperClusterStore a = store(cluster);
                ZooKeeperClusterStore b = store(cluster)) {
            a.publish(member("a", 10));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> b.read().member("a").isPresent());
            a.publish(member("a", 20));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> b.read().member("a").get().position() == 20);
            a.withdraw();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> b.read().member("a").isEmpty());
        }
    }

    @Test
    void initialisationTransfersMaintenanceSyncAndHistory() throws Exception {
        String cluster = "state-" + UUID.randomUUID();
        try (ZooKeeperClusterStore a = store(cluster);
                ZooKeeperClusterStore b = store(cluster)) {
            assertThat(a.claimInitialization("a")).isTrue();
            assertThat(b.claimInitialization("b")).isFalse();
            b.abandonInitialization("b");
            eventually(() -> assertThat(b.read().initialized()).contains("a"));

            TransferRequest request = new TransferRequest(TransferRequest.Kind.SWITCHOVER, "a", Optional.of("b"), 1);
            assertThat(a.requestTransfer(request)).isTrue();
            assertThat(b.requestTransfer(request)).isFalse();
            eventually(() -> assertThat(b.read().transfer()).contains(request));
            // Taking the lease consumes the request in the same transaction.
            assertThat(b.tryAcquireLease("b", 0, true)).isPresent();
            eventually(() -> {
                ClusterView view = a.read();
                assertThat(view.transfer()).isEmpty();
                assertThat(view.sync()).contains(new SyncState("b", Optional.empty()));
            });

            a.writeSettings(java.util.Map.of("synchronous_mode", "true", "loop_wait", "2s"));
            eventually(() -> assertThat(b.read().settings())
                    .containsEntry("synchronous_mode", "true")
                    .containsEntry("loop_wait", "2s"));
            a.writeSettings(java.util.Map.of());
            eventually(() -> assertThat(b.read().settings()).isEmpty());

            a.setMaintenance(true);
            eventually(() -> assertThat(b.read().maintenance()).isTrue());
            a.setMaintenance(false);
            eventually(() -> assertThat(b.read().maintenance()).isFalse());

            a.appendHistory(new HistoryEntry(1, "a", Optional.empty(), "cluster created", 5, 100));
            b.appendHistory(new HistoryEntry(2, "b", Optional.of("a"), "switchover", 9, 200));
            eventually(() ->
                    assertThat(a.history()).extracting(HistoryEntry::epoch).containsExactly(1L, 2L));
            assertThat(a.history().get(1).previous()).contains("a");
        }
    }

    /**
     * The two stores may talk to different servers of the ensemble: one session's write reaches another's reads
     * shortly after, not at once.
     */
    private static void eventually(ThrowingRunnable assertion) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(assertion);
    }

    // ---- bad state written by someone else: read without an exception, reported, the rest intact --------------

    /**
     * A client of the cluster's znodes that writes what no agent would, as a buggy tool, or an intruder who has the
     * cluster's credentials, would.
     */
    static CuratorFramework vandal(String cluster) throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(ensemble.connectString())
                .namespace("steward/" + cluster)
                .retryPolicy(new RetryOneTime(100))
                .authorization(
                        "digest", (CREDENTIALS.user() + ":" + CREDENTIALS.password()).getBytes(StandardCharsets.UTF_8))
                .aclProvider(new ACLProvider() {
                    @Override
                    public List<ACL> getDefaultAcl() {
                        return ZooDefs.Ids.CREATOR_ALL_ACL;
                    }

                    @Override
                    public List<ACL> getAclForPath(String path) {
                        return ZooDefs.Ids.CREATOR_ALL_ACL;
                    }
                })
                .build();
        client.start();
        client.blockUntilConnected();
        return client;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static StateProblem problemAt(ClusterView view, String path) {
        return view.problems().stream()
                .filter(p -> p.path().equals(path))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no problem reported at " + path + ": " + view.problems()));
    }

    @Test
    @Timeout(120)
    void badMembersAndSettingsAreSkippedAndReportedAndTheRestOfTheViewIsIntact() throws Exception {
        String cluster = "poisoned-" + UUID.randomUUID();
        try (ZooKeeperClusterStore a = store(cluster);
                CuratorFramework vandal = vandal(cluster)) {
            assertThat(a.claimInitialization("a")).isTrue();
            a.publish(member("a", 10));
            assertThat(a.tryAcquireLease("a", 0, true)).isPresent();
            a.appendHistory(new HistoryEntry(1, "a", Optional.empty(), "cluster created", 10, 100));
            String shadow = new String(Json.mapper().writeValueAsBytes(member("a", 999)), StandardCharsets.UTF_8);

            vandal.create().forPath("/members/ghost", bytes("{}"));
            vandal.create().forPath("/members/stray", bytes(shadow));
            vandal.create()
                    .forPath(
                            "/members/zz",
                            bytes(shadow.replace("\"a\"", "\"zz\"").replace("\"REPLICA\"", "\"LEADER\"")));
            vandal.setData().forPath("/sync", new byte[] {0, 1, 2, (byte) 0xff});
            vandal.create().forPath("/switchover", bytes("{\"kind\":\"SWITCHOVER\"}"));
            vandal.create().forPath("/config", bytes("[\"loop_wait\"]"));
            vandal.create().forPath("/maintenance", bytes("ture"));
            vandal.create().forPath("/history/h-9999999999", bytes("{\"epoch\":-4}"));

            eventually(() -> assertThat(a.read().problems()).hasSize(7));
            ClusterView view = a.read();
            assertThat(view.members()).containsOnlyKeys("a");
            assertThat(view.member("a").get().position())
                    .as("not shadowed by /members/stray")
                    .isEqualTo(10);
            assertThat(view.lease()).map(Lease::holder).contains("a");
            assertThat(view.badLease()).isEmpty();
            assertThat(view.epoch()).isEqualTo(1);
            assertThat(view.initialized()).contains("a");
            assertThat(view.maintenance()).isFalse();
            assertThat(view.transfer()).isEmpty();
            assertThat(view.sync()).isEmpty();
            assertThat(view.settings()).isEmpty();
            assertThat(problemAt(view, "/members/ghost"))
                    .satisfies(p -> assertThat(p.content()).isEqualTo("{}"))
                    .satisfies(p -> assertThat(p.reason()).contains("no name"));
            assertThat(problemAt(view, "/members/stray").reason()).contains("names member 'a', not 'stray'");
            assertThat(problemAt(view, "/members/zz").reason()).contains("LEADER");
            assertThat(problemAt(view, "/sync").content()).isEqualTo("\\x00\\x01\\x02\ufffd");
            assertThat(problemAt(view, "/switchover").reason()).contains("no from");
            assertThat(problemAt(view, "/config").reason()).contains("not a JSON object");
            assertThat(problemAt(view, "/maintenance").content()).isEqualTo("ture");
            assertThat(a.history()).extracting(HistoryEntry::epoch).containsExactly(1L);

            // the bad request is replaced by the next one an operator makes; the lease holder rewrites the sync state
            TransferRequest request = new TransferRequest(TransferRequest.Kind.SWITCHOVER, "a", Optional.empty(), 5);
            assertThat(a.requestTransfer(request)).isTrue();
            a.writeSync(new SyncState("a", Optional.empty()));
            eventually(() -> assertThat(a.read().transfer()).contains(request));
            assertThat(a.read().sync()).contains(new SyncState("a", Optional.empty()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"holder\":null,\"epoch\":1}", "\u0000garbage\u0007", "{\"holder\":\"a\",\"epoch\":-1}"})
    @Timeout(120)
    void aLeaseWhoseContentCannotBeReadHasAnUnknownHolderAndOnlyItsSessionCanFreeIt(String content) throws Exception {
        String cluster = "bad-lease-" + UUID.randomUUID();
        try (ZooKeeperClusterStore a = store(cluster);
                ZooKeeperClusterStore b = store(cluster);
                CuratorFramework vandal = vandal(cluster)) {
            a.publish(member("a", 10));
            assertThat(a.tryAcquireLease("a", 0, false)).isPresent();
            vandal.setData().forPath("/leader", bytes(content));

            eventually(() -> assertThat(b.read().badLease()).isPresent());
            ClusterView seenByB = b.read();
            assertThat(seenByB.lease()).isEmpty();
            assertThat(seenByB.badLease().get().ephemeralOwner()).isEqualTo(a.sessionId());
            assertThat(seenByB.badLease().get().ownedByThisSession()).isFalse();
            assertThat(seenByB.badLease().get().persistent()).isFalse();
            assertThat(problemAt(seenByB, "/leader").reason()).contains("the holder is unknown");
            assertThat(seenByB.epoch()).isEqualTo(1);
            assertThat(seenByB.members()).containsOnlyKeys("a");
            assertThat(b.tryAcquireLease("b", 1, false))
                    .as("nobody takes over while it exists")
                    .isEmpty();

            assertThat(a.readSynced(Duration.ofSeconds(5))
                            .value()
                            .badLease()
                            .get()
                            .ownedByThisSession())
                    .isTrue();
            assertThat(a.proveLease(Duration.ofSeconds(5)).value())
                    .as("an unreadable lease proves nothing")
                    .isEmpty();
            a.releaseLease("a");
            eventually(() -> assertThat(b.read().badLease()).isEmpty());
            assertThat(b.tryAcquireLease("b", 1, false))
                    .map(l -> l.value().epoch())
                    .contains(2L);
        }
    }

    @Test
    @Timeout(120)
    void aGarbageEpochIsNeverReadAsZeroAndTheNextLeaseRepairsIt() throws Exception {
        String cluster = "bad-epoch-" + UUID.randomUUID();
        try (ZooKeeperClusterStore a = store(cluster);
                ZooKeeperClusterStore b = store(cluster);
                CuratorFramework vandal = vandal(cluster)) {
            assertThat(a.tryAcquireLease("a", 0, false)).isPresent();
            vandal.setData().forPath("/epoch", bytes("garbage"));
            eventually(() -> assertThat(b.read().problems()).isNotEmpty());
            assertThat(b.read().epoch()).as("while a lease exists: the lease's").isEqualTo(1);
            assertThat(problemAt(b.read(), "/epoch").content()).isEqualTo("garbage");

            a.releaseLease("a");
            // versions: created 0, taken 1, garbage 2
            eventually(() -> assertThat(b.read().lease()).isEmpty());
            assertThat(b.read().epoch()).isEqualTo(2);
            assertThat(b.tryAcquireLease("b", 0, false))
                    .as("a stale epoch never wins")
                    .isEmpty();
            assertThat(b.tryAcquireLease("b", 2, false))
                    .map(l -> l.value().epoch())
                    .contains(3L);
            eventually(() -> assertThat(a.read().problems()).isEmpty());
            assertThat(a.read().epoch()).isEqualTo(3);

            b.releaseLease("b");
            vandal.setData().forPath("/epoch", bytes("1"));
            eventually(() -> assertThat(a.read().epoch())
                    .as("below its version 4: written by hand")
                    .isEqualTo(4));
            assertThat(problemAt(a.read(), "/epoch").reason()).contains("epoch 1 is below the znode's version 4");
        }
    }

    @Test
    @Timeout(120)
    void aPersistentLeaderZnodeIsNoLeaseAndIsRemovedButNeverALeaseTakenMeanwhile() throws Exception {
        String cluster = "stray-lease-" + UUID.randomUUID();
        try (ZooKeeperClusterStore a = store(cluster);
                ZooKeeperClusterStore b = store(cluster);
                CuratorFramework vandal = vandal(cluster)) {
            vandal.create().forPath("/leader", bytes("{\"holder\":\"a\",\"epoch\":0}"));
            eventually(() -> assertThat(a.read().badLease()).isPresent());
            ClusterView view = a.read();
            assertThat(view.lease()).as("no session holds it").isEmpty();
            assertThat(view.badLease().get().persistent()).isTrue();
            assertThat(problemAt(view, "/leader").reason()).contains("persistent");
            assertThat(a.removeStrayLease(view.badLease().get())).isTrue();
            eventually(() -> assertThat(b.read().badLease()).isEmpty());
            assertThat(b.tryAcquireLease("b", 0, false)).isPresent();

            // one that another member saw before it went, and a real lease (at version 0 too) was taken since
            b.releaseLease("b");
            vandal.create().forPath("/leader", bytes("written by hand"));
            eventually(() -> assertThat(a.read().badLease()).isPresent());
            BadLease seen = a.read().badLease().get();
            vandal.delete().forPath("/leader");
            eventually(() -> assertThat(b.read().badLease()).isEmpty());
            assertThat(b.tryAcquireLease("b", 1, false)).isPresent();
            assertThat(a.removeStrayLease(seen)).isFalse();
            assertThat(b.proveLease(Duration.ofSeconds(5)).value())
                    .map(Lease::holder)
                    .contains("b");
        }
    }

    @Test
    void digestCredentialsKeepOtherClientsOut() throws Exception {
        String cluster = "acl-" + UUID.randomUUID();
        try (ZooKeeperClusterStore secured = store(cluster)) {
            secured.publish(member("a", 1));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> secured.read().member("a").isPresent());
            try (CuratorFramework stranger = stranger()) {
                assertThatThrownBy(() -> stranger.getData().forPath("/steward/" + cluster + "/epoch"))
                        .isInstanceOf(KeeperException.NoAuthException.class);
            }
        }
    }

    @Test
    @Timeout(120)
    void znodesLeftWorldWritableByAnOpenClusterAreRestrictedByTheFirstDigestMember() throws Exception {
        String cluster = "acl-migration-" + UUID.randomUUID();
        ZooKeeperConfig openButAuthenticated = zk(ZooKeeperConfig.Acl.OPEN, Optional.of(CREDENTIALS));
        try (ZooKeeperClusterStore open = ZooKeeperClusterStore.connect(openButAuthenticated, cluster, QUIET);
                CuratorFramework stranger = stranger()) {
            open.publish(member("a", 1));
            assertThat(open.tryAcquireLease("a", 0, false)).isPresent();
            open.appendHistory(new HistoryEntry(1, "a", Optional.empty(), "cluster created", 1, 1));
            String root = "/steward/" + cluster;
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> stranger.checkExists().forPath(root + "/members/a") != null);
            stranger.setData().forPath(root + "/epoch", bytes("1"));

            try (ZooKeeperClusterStore secured = store(cluster)) {
                assertThat(secured.read().epoch()).isEqualTo(1);
                for (String path : List.of(
                        root,
                        root + "/epoch",
                        root + "/leader",
                        root + "/members",
                        root + "/members/a",
                        root + "/history")) {
                    assertThatThrownBy(() -> stranger.setData().forPath(path, bytes("x")))
                            .as(path)
                            .isInstanceOf(KeeperException.NoAuthException.class);
                }
                assertThatThrownBy(() -> stranger.getData().forPath(root + "/epoch"))
                        .isInstanceOf(KeeperException.NoAuthException.class);
                // a member still on acl: open, authenticating with the cluster's credentials, keeps its access
                eventually(() -> assertThat(open.read().member("a")).isPresent());
                assertThat(open.read().lease()).map(Lease::holder).contains("a");
            }
        }
    }

    /** A client without credentials. */
    private static CuratorFramework stranger() throws InterruptedException {
        CuratorFramework stranger = CuratorFrameworkFactory.newClient(ensemble.connectString(), new RetryOneTime(100));
        stranger.start();
        stranger.blockUntilConnected();
        return stranger;
    }

    @Test
    void unreachableEnsembleIsAClearError() {
        ZooKeeperConfig nowhere =
                digest("127.0.0.1:1", Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThatThrownBy(() -> ZooKeeperClusterStore.connect(nowhere, "x", QUIET))
                .isInstanceOf(CoordinationException.class)
                .hasMessageContaining("could not connect to ZooKeeper at 127.0.0.1:1");
    }
}
