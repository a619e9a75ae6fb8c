package io.steward.it;

import static io.steward.it.ClusterAssertions.assertNoOverlappingPrimaries;
import static io.steward.it.ClusterAssertions.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster.Node;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Partitions, not crashes: connections that go silent. The primary's agent must stop its server taking writes before
 * another node is promoted, whether its own ZooKeeper server is cut off from the ensemble's leader (and still answers
 * it with stale reads) or the agent is cut off from every server; and the old primary keeps answering reads,
 * read-only, until it can rejoin.
 */
class PartitionTest {

    /**
     * Issue 15 (a): the primary's agent talks to one follower, and that follower is cut off from the rest of the
     * ensemble. The follower goes on answering the agent's plain reads for syncLimit × tick; only the sync before each
     * proof tells the agent that it can no longer prove its lease.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void primarysZooKeeperServerCutOffFromItsLeaderDemotesBeforeAnotherIsPromoted() throws Exception {
        // ZooKeeper's default tick (2 s): a cut-off follower then serves stale reads for 10 s (syncLimit 5 ticks),
        // longer than the agents' 5 s session, so the old primary's agent sees the lease as its own, without a sync,
        // after it has passed on: the hazard the sync before each proof is there for
        try (LocalCluster cluster = LocalCluster.start(
                LocalCluster.Options.defaults().firstNodePinnedToAFollower().productionZooKeeper())) {
            assertThat(cluster.zookeeper().syncTimeout()).isGreaterThan(Duration.ofSeconds(5));
            Node old = cluster.node("pg1");
            assertThat(cluster.awaitPrimary()).isSameAs(old);
            int server = cluster.firstNodesServer();
            assertThat(cluster.zookeeper().mode(server))
                    .as("the first primary's ZooKeeper server")
                    .contains("follower");
            try (WriteLoad load = WriteLoad.start(cluster)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 100);
                cluster.zookeeper().isolate(server);
                Node successor = cluster.awaitNewPrimary(old);
                int before = load.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > before + 50);
                load.close();
                assertNoOverlappingPrimaries(load);
                assertThat(load.spans()).extracting(WriteLoad.Span::node).containsExactly(old.name(), successor.name());
                assertReadOnlyWithData(cluster, old, load.spans().get(0).count());
            } finally {
                cluster.zookeeper().rejoin(server);
            }
            cluster.awaitAllStreaming();
            assertThat(cluster.awaitPrimary()).isNotSameAs(old);
            assertThat(old.isStreamingReplica()).isTrue();
        }
    }

    /**
     * Issue 15 (b): the primary's agent cannot reach any ZooKeeper server (its connections go silent) while clients
     * still reach its database. It stops taking writes before another node is promoted, goes on answering reads
     * read-only, and rejoins as a replica once it reaches ZooKeeper again.
     */
    @ParameterizedTest
    @EnumSource(Database.class)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void primarysAgentBlackholedFromTheEnsembleEndsReadOnlyAndRejoins(Database database) throws Exception {
        try (LocalCluster cluster = LocalCluster.start(
                LocalCluster.Options.defaults().withDatabase(database).proxied())) {
            Node old = cluster.awaitPrimary();
            long acknowledged;
            try (WriteLoad load = WriteLoad.start(cluster)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 100);
                old.cutFromZooKeeper();
                Node successor = cluster.awaitNewPrimary(old);
                int before = load.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > before + 50);
                load.close();
                assertNoOverlappingPrimaries(load);
                assertThat(load.spans()).extracting(WriteLoad.Span::node).containsExactly(old.name(), successor.name());
                acknowledged = load.spans().get(0).count();
            }
            assertReadOnlyWithData(cluster, old, acknowledged);

            old.reconnectToZooKeeper();
            cluster.awaitAllStreaming();
            Node primary = cluster.awaitPrimary();
            assertThat(primary).isNotSameAs(old);
            long rows = rows(cluster, primary);
            await().atMost(Duration.ofSeconds(30)).until(() -> rows(cluster, old) >= rows);
        }
    }

    /** The old primary answers reads, is not writable, and holds at least what it acknowledged while primary. */
    private static void assertReadOnlyWithData(LocalCluster cluster, Node node, long acknowledgedThere) {
        await("the demoted primary answering reads, read-only")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(readOnly(cluster, node)).isTrue();
                    assertThat(rows(cluster, node)).isGreaterThanOrEqualTo(acknowledgedThere);
                });
    }

    private static boolean readOnly(LocalCluster cluster, Node node) throws SQLException {
        if (cluster.database() == Database.REDIS) {
            return node.onRedis(redis -> redis.sync().info("replication")).contains("role:slave");
        }
        return "t".equals(node.queryOne("SELECT pg_is_in_recovery()"));
    }

    private static long rows(LocalCluster cluster, Node node) throws SQLException {
        return cluster.database() == Database.REDIS
                ? node.onRedis(redis -> redis.sync().dbsize())
                : count(node, "acked");
    }
}
