package io.steward.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.config.ZooKeeperConfig;
import io.steward.testing.ZooKeeperEnsemble;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease holder's ZooKeeper server is cut off from the ensemble's leader. It goes on answering plain reads from its
 * ageing copy ("the lease is yours") for syncLimit × tick, long after the leader has expired the holder's session and
 * another member has taken the lease; a proof, which needs the leader to answer a sync, must fail from the cut on, so
 * that no proof ever reaches past the moment the lease passes on.
 */
@Tag("servers")
class LeaseProofPartitionTest {
    /** A follower cut off keeps serving for syncLimit (5) ticks: 5 s, well beyond the 2 s session below. */
    private static final int TICK_MILLIS = 1_000;
    /** The shortest session the servers grant at this tick (2 ticks): the lease passes on well inside those 5 s. */
    private static final Duration SESSION = Duration.ofSeconds(2);

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

    private static ZooKeeperClusterStore storeOn(String connect, String cluster) throws InterruptedException {
        // the proofs below wait for their sync a second at most: well inside the session, so a hung sync fails in time
        ZooKeeperConfig config =
                ClusterStoreTest.digest(connect, SESSION, Duration.ofSeconds(15), Duration.ofMillis(TICK_MILLIS));
        return ZooKeeperClusterStore.connect(config, cluster, ClusterStoreTest.QUIET);
    }

    /** One proof attempt of the holder: when it was made and, if it proved the lease, until when. */
    private record Attempt(long startedNanos, Optional<Long> provenUntilNanos) {}

    @Test
    @Timeout(120)
    void noProofThroughAFollowerCutOffFromItsLeaderReachesPastTheLeaseChangingHands() throws Exception {
        int leader = ensemble.awaitLeader(Duration.ofSeconds(30));
        int pinned = (leader + 1) % ZooKeeperEnsemble.SERVERS;
        await("server " + pinned + " serving as a follower")
                .atMost(Duration.ofSeconds(30))
                .until(() -> ensemble.mode(pinned).filter("follower"::equals).isPresent());
        String cluster = "partition-" + UUID.randomUUID();
        ExecutorService prover = Executors.newSingleThreadExecutor();
        AtomicBoolean proving = new AtomicBoolean(true);
        try (ZooKeeperClusterStore holder = storeOn(ensemble.connectStringOf(pinned), cluster);
                ZooKeeperClusterStore bystander = storeOn(ensemble.connectStringOf(pinned), cluster);
                ZooKeeperClusterStore other = storeOn(ensemble.connectStringOf(leader), cluster)) {
            Synced<Lease> taken = holder.tryAcquireLease("holder", 0, false).orElseThrow();
            assertThat(taken.sessionAliveUntilNanos()).isGreaterThan(System.nanoTime());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> other.read().lease().isPresent());
            // proofs every 100 ms, from before the cut until after the lease has passed on
            List<Attempt> made = new CopyOnWriteArrayList<>();
            Future<?> attempts = prover.submit(() -> {
                while (proving.get()) {
                    long started = System.nanoTime();
                    try {
                        Synced<Optional<Lease>> proof = holder.proveLease(Duration.ofSeconds(1));
                        boolean ours = proof.value()
                                .filter(l -> l.holder().equals("holder") && l.sessionId() == proof.sessionId())
                                .isPresent();
                        made.add(new Attempt(
                                started, ours ? Optional.of(proof.sessionAliveUntilNanos()) : Optional.empty()));
                    } catch (CoordinationException e) {
                        made.add(new Attempt(started, Optional.empty()));
                    }
                    Thread.sleep(100);
                }
                return null;
            });
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            holder.proveLease(Duration.ofSeconds(1)).value().isPresent());

            long cut = System.nanoTime();
            ensemble.isolate(pinned);
            Synced<Lease> successor = await("the leader expires the holder's session and the lease passes on")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> other.tryAcquireLease("successor", 1, false), Optional::isPresent)
                    .orElseThrow();
            long passedOn = System.nanoTime();
            // The hazard is real: without a sync, the cut-off server still says the holder has the lease. (Asked of a
            // session of its own: the holder's session has a sync pending there, and ZooKeeper answers a session's
            // requests in order, so its plain reads wait behind it.)
            Optional<Lease> stale = bystander.read().lease();
            long staleReadAt = System.nanoTime();
            await("a proof attempted after the lease passed on")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> made.stream().anyMatch(a -> a.startedNanos() > passedOn));
            proving.set(false);
            attempts.get();

            assertThat(successor.value().epoch()).isEqualTo(2);
            assertThat(staleReadAt - cut)
                    .as("the stale read came within the follower's syncLimit")
                    .isLessThan(ensemble.syncTimeout().toNanos());
            assertThat(stale).map(Lease::holder).contains("holder");
            assertThat(made)
                    .as("proofs before the cut")
                    .anyMatch(
                            a -> a.startedNanos() < cut && a.provenUntilNanos().isPresent());
            long latestProof = made.stream()
                    .flatMap(a -> a.provenUntilNanos().stream())
                    .mapToLong(Long::longValue)
                    .max()
                    .orElseThrow();
            assertThat(latestProof)
                    .as("the latest any proof promised, against when the lease passed on")
                    .isLessThan(passedOn);
            assertThat(made.stream().filter(a -> a.startedNanos() > cut + SESSION.toNanos() / 2))
                    .as("no proof started well after the cut succeeds")
                    .allMatch(a -> a.provenUntilNanos().isEmpty());
        } finally {
            proving.set(false);
            prover.shutdownNow();
            ensemble.rejoin(pinned);
        }
    }
}
