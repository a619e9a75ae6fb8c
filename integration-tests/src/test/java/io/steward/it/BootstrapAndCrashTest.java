package io.steward.it;

import static io.steward.it.ClusterAssertions.assertNoAcknowledgedWriteLost;
import static io.steward.it.ClusterAssertions.assertNoOverlappingPrimaries;
import static io.steward.it.ClusterAssertions.count;
import static io.steward.it.ClusterAssertions.history;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster.Node;
import java.nio.file.Files;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scenarios (a) and (b): a cluster forms, and survives its primary's postmaster being SIGKILLed. */
class BootstrapAndCrashTest {

    @Test
    void bootstrapsOnePrimaryAndTwoStreamingReplicas() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            Node primary = cluster.awaitPrimary();
            try (Connection c = primary.connect()) {
                c.createStatement().execute("CREATE TABLE items (id int PRIMARY KEY, label text)");
                c.createStatement().execute("INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g");
            }
            List<Node> replicas =
                    cluster.nodes().stream().filter(n -> n != primary).toList();
            assertThat(replicas).hasSize(2).allMatch(Node::isStreamingReplica);
            for (Node replica : replicas) {
                await().atMost(Duration.ofSeconds(30)).until(() -> count(replica, "items") == 100);
                assertThat(replica.queryOne("SELECT label FROM items WHERE id = 42"))
                        .isEqualTo("item 42");
                assertThat(replica.queryOne("SELECT pg_is_in_recovery()")).isEqualTo("t");
            }
            assertThat(history(primary).get(0).path("reason").asText()).isEqualTo("cluster created");
            assertThat(history(primary).get(0).path("primary").asText()).isEqualTo(primary.name());
        }
    }

    /**
     * The lease holder's postmaster dies but its agent and ZooKeeper session live: the HA rules restart it in place
     * (no failover), which loses nothing and is faster than promoting a replica.
     */
    @Test
    void killedPostmasterIsRestartedInPlaceWithoutLosingAWrite() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            Node primary = cluster.awaitPrimary();
            long epoch = ClusterAssertions.epoch(primary);
            try (WriteLoad load = WriteLoad.start(cluster)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 100);
                long killedAt = System.nanoTime();
                primary.killServer();
                await("writes again")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> load.firstAckAfterOutageOf(primary.name(), killedAt)
                                .isPresent());
                assertThat(load.firstAckAfterOutageOf(primary.name(), killedAt)
                                .get()
                                .node())
                        .isEqualTo(primary.name());
                int before = load.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > before + 50);
                load.close();
                assertNoOverlappingPrimaries(load);
                assertNoAcknowledgedWriteLost(load, primary);
            }
            assertThat(cluster.awaitPrimary()).isSameAs(primary);
            assertThat(ClusterAssertions.epoch(primary)).isEqualTo(epoch);
        }
    }

    /**
     * When the primary cannot come back (its data directory is gone), it gives the lease up, a replica takes over,
     * the other follows it, and the old node clones itself again and rejoins as a replica.
     */
    @Test
    void primaryThatCannotRestartIsReplacedAndRejoinsAsReplica() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            Node old = cluster.awaitPrimary();
            long epoch = ClusterAssertions.epoch(old);
            try (WriteLoad load = WriteLoad.start(cluster)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 100);
                long postmaster = old.serverPid().orElseThrow();
                Files.move(old.dataDir(), old.dataDir().resolveSibling("data.moved-away"));
                Postmaster.kill(postmaster);
                Node successor = cluster.awaitNewPrimary(old);
                int before = load.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > before + 50);
                cluster.awaitAllStreaming();
                load.close();
                assertNoOverlappingPrimaries(load);
                assertThat(ClusterAssertions.epoch(successor)).isEqualTo(epoch + 1);
                // The rejoined node holds what the new primary wrote.
                long onSuccessor = count(successor, "acked");
                await().atMost(Duration.ofSeconds(30)).until(() -> count(old, "acked") == onSuccessor);
                assertThat(history(successor)
                                .get(history(successor).size() - 1)
                                .path("reason")
                                .asText())
                        .isEqualTo("failover");
            }
        }
    }
}
