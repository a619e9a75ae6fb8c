package io.steward.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.steward.testing.ZooKeeperEnsemble;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole ensemble is down for longer than the session timeout: the client gives its session up (Curator, and the
 * ZooKeeper client itself since 3.9.3), while the servers keep it, and give it a full timeout again once they are back.
 * Its ephemeral lease therefore outlives the session the agent now uses, naming the agent but not its session: only
 * the agent that had that session may take it over, at once and in one transaction.
 */
@Tag("servers")
class LeaseReclaimTest {
    private static final Duration SESSION = Duration.ofSeconds(4);

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

    private static ZooKeeperClusterStore store(String cluster) throws InterruptedException {
        return ZooKeeperClusterStore.connect(
                ClusterStoreTest.digest(
                        ensemble.connectString(),
                        SESSION,
                        Duration.ofSeconds(2),
                        Duration.ofMillis(ZooKeeperEnsemble.TEST_TICK_MILLIS)),
                cluster,
                ClusterStoreTest.QUIET);
    }

    @Test
    @Timeout(120)
    void onlyTheAgentWhoseEarlierSessionHoldsTheLeaseTakesItOverAfterTheEnsembleWasDown() throws Exception {
        String cluster = "reclaim-" + UUID.randomUUID();
        try (ZooKeeperClusterStore agent = store(cluster);
                ZooKeeperClusterStore namesake = store(cluster)) {
            Lease first = agent.tryAcquireLease("pg1", 0, false).orElseThrow().value();
            long firstSession = agent.sessionId();

            ensemble.stopAll();
            // the client gives the session up once it has heard from no server for longer than the session timeout
            await().atMost(Duration.ofSeconds(30)).until(() -> !agent.connected());
            Thread.sleep(SESSION.multipliedBy(2).toMillis()); // an outage of two session timeouts, as in production
            ensemble.startAll();
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> agent.sessionId() != firstSession
                            && agent.read().lease().isPresent());

            Lease stale = agent.read().lease().orElseThrow();
            assertThat(stale)
                    .as("the servers kept the earlier session, and its lease")
                    .isEqualTo(first);
            assertThat(agent.wasOurSession(stale.sessionId())).isTrue();
            assertThat(namesake.wasOurSession(stale.sessionId())).isFalse();
            assertThatThrownBy(() -> namesake.reclaimLease("pg1", stale, 1, false))
                    .as("another process under the same name never takes it")
                    .isInstanceOf(IllegalArgumentException.class);

            Synced<Lease> reclaimed = agent.reclaimLease("pg1", stale, 1, false).orElseThrow();
            assertThat(reclaimed.value()).isEqualTo(new Lease("pg1", 2, agent.sessionId()));
            assertThat(namesake.read().epoch()).isEqualTo(2);
            // the lease is the current session's now: it outlives the earlier one, which the servers expire meanwhile
            Thread.sleep(SESSION.multipliedBy(2).toMillis());
            assertThat(namesake.read().lease()).contains(reclaimed.value());
        }
    }
}
