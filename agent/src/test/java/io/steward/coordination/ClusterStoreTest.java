package io.steward.coordination;

import io.steward.config.ZooKeeperConfig;
import io.steward.engine.Endpoint;
import io.steward.engine.Role;
import io.steward.testing.ZooKeeperEnsemble;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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
        public void clusterChanged(boolean memberUpdate) {
        }

        @Override
        public void connectionChanged(ConnectionState state) {
        }
    };

    static ZooKeeperConfig zk(Optional<String> user, Optional<String> password) {
        return new ZooKeeperConfig(ensemble.connectString(), Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofMillis(ZooKeeperEnsemble.TEST_TICK_MILLIS), user, password);
    }

    static ClusterStore store(String cluster) throws InterruptedException {
        return ClusterStore.connect(zk(Optional.empty(), Optional.empty()), cluster, QUIET);
    }

    static MemberInfo member(String name, long position) {
        return new MemberInfo(name, Role.REPLICA, true, new Endpoint("127.0.0.1", 5432), "http://x", position, 1,
                Optional.empty(), false, false, 100, "test", System.currentTimeMillis(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty());
    }

    @Test
    void exactlyOneOfManyRacingMembersTakesTheLeaseAndTheEpochMovesOnce() throws Exception {
        String cluster = "race-" + UUID.randomUUID();
        List<ClusterStore> stores = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            for (int i = 0; i < 5; i++) {
                stores.add(store(cluster));
            }
            List<Future<Optional<Lease>>> attempts = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ClusterStore store = stores.get(i);
                String name = "m" + i;
                attempts.add(pool.submit((Callable<Optional<Lease>>) () -> store.tryAcquireLease(name, 0, false).map(Synced::value)));
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
            assertThat(stores.get((winner + 1) % 5).tryAcquireLease("late", 0, false)).isEmpty();
            assertThat(stores.get((winner + 1) % 5).tryAcquireLease("next", 1, false)).map(l -> l.value().epoch()).contains(2L);
        } finally {
            pool.shutdownNow();
            stores.forEach(ClusterStore::close);
        }
    }

    @Test
    void onlyTheHolderCanReleaseAndTheLeaseDiesWithItsSession() throws Exception {
        String cluster = "release-" + UUID.randomUUID();
        try (ClusterStore a = store(cluster); ClusterStore b = store(cluster)) {
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
        try (ClusterStore a = store(cluster); ClusterStore b = store(cluster)) {
            assertThat(a.latestPrimaryTerm()).isEmpty();

            assertThat(a.raisePrimaryTerm("a", 3)).isTrue();
            assertThat(a.raisePrimaryTerm("a", 3)).as("the same primary again").isTrue();
            // no waiting: the two stores may talk to different servers, and the term is read after a sync
            assertThat(b.latestPrimaryTerm()).hasValue(3);
            assertThat(b.raisePrimaryTerm("b", 2)).as("a primary of an older term").isFalse();
            assertThat(b.raisePrimaryTerm("b", 4)).isTrue();
            assertThat(a.raisePrimaryTerm("a", 3)).as("the deposed one, not noticing yet").isFalse();
            assertThat(a.latestPrimaryTerm()).hasValue(4);
        }
    }

        @Test
    void membersArePublishedUpdatedAndWithdrawn() throws Exception {
        String cluster = "members-" + UUID.randomUUID();
        try (ClusterStore a = store(cluster); ClusterStore b = store(cluster)) {
            a.publish(member("a", 10));
            await().atMost(Duration.ofSeconds(10)).until(() -> b.read().member("a").isPresent());
            a.publish(member("a", 20));
            await().atMost(Duration.ofSeconds(10)).until(() -> b.read().member("a").get().position() == 20);
            a.withdraw();
            await().atMost(Duration.ofSeconds(10)).until(() -> b.read().member("a").isEmpty());
        }
    }

    @Test
    void initialisationTransfersMaintenanceSyncAndHistory() throws Exception {
        String cluster = "state-" + UUID.randomUUID();
        try (ClusterStore a = store(cluster); ClusterStore b = store(cluster)) {
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
            eventually(() -> assertThat(b.read().settings()).containsEntry("synchronous_mode", "true")
                    .containsEntry("loop_wait", "2s"));
            a.writeSettings(java.util.Map.of());
            eventually(() -> assertThat(b.read().settings()).isEmpty());

            a.setMaintenance(true);
            eventually(() -> assertThat(b.read().maintenance()).isTrue());
            a.setMaintenance(false);
            eventually(() -> assertThat(b.read().maintenance()).isFalse());

            a.appendHistory(new HistoryEntry(1, "a", Optional.empty(), "cluster created", 5, 100));
            b.appendHistory(new HistoryEntry(2, "b", Optional.of("a"), "switchover", 9, 200));
            eventually(() -> assertThat(a.history()).extracting(HistoryEntry::epoch).containsExactly(1L, 2L));
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

    @Test
    void digestCredentialsKeepOtherClientsOut() throws Exception {
        String cluster = "acl-" + UUID.randomUUID();
        try (ClusterStore secured = ClusterStore.connect(zk(Optional.of("steward"), Optional.of("s3cret")), cluster, QUIET)) {
            secured.publish(member("a", 1));
            await().atMost(Duration.ofSeconds(10)).until(() -> secured.read().member("a").isPresent());
            try (CuratorFramework stranger = CuratorFrameworkFactory.newClient(ensemble.connectString(), new RetryOneTime(100))) {
                stranger.start();
                stranger.blockUntilConnected();
                assertThatThrownBy(() -> stranger.getData().forPath("/steward/" + cluster + "/epoch"))
                        .isInstanceOf(KeeperException.NoAuthException.class);
            }
        }
    }

    @Test
    void unreachableEnsembleIsAClearError() {
        ZooKeeperConfig nowhere = new ZooKeeperConfig("127.0.0.1:1", Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(2),
                Optional.empty(), Optional.empty());
        assertThatThrownBy(() -> ClusterStore.connect(nowhere, "x", QUIET))
                .isInstanceOf(CoordinationException.class)
                .hasMessageContaining("could not connect to ZooKeeper at 127.0.0.1:1");
    }
}
