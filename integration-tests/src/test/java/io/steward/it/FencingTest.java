package io.steward.it;

import static io.steward.it.ClusterAssertions.assertNoOverlappingPrimaries;
import static io.steward.it.ClusterAssertions.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster.Node;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The primary's agent dies or is cut off from ZooKeeper while its database keeps running (issue 2's scenarios (c) and
 * (d) for PostgreSQL, issue 4's (d) for Redis). The old primary must stop taking writes before another node is
 * promoted: clients writing to every node never see two nodes acknowledge writes at the same time.
 */
class FencingTest {

    /** Something that happens to the primary's agent, and what undoes it. */
    private interface Fault {
        void inflict(Node primary) throws Exception;

        void repair(Node primary) throws Exception;
    }

    @ParameterizedTest
    @EnumSource(Database.class)
    void killedAgentFencesItsPrimaryBeforeAnotherIsPromoted(Database database) throws Exception {
        try (LocalCluster cluster =
                LocalCluster.start(LocalCluster.Options.defaults().withDatabase(database))) {
            assertFencedBeforeFailover(cluster, new Fault() {
                @Override
                public void inflict(Node primary) throws Exception {
                    primary.killAgent();
                }

                @Override
                public void repair(Node primary) throws Exception {
                    primary.startAgent();
                }
            });
        }
    }

    @ParameterizedTest
    @EnumSource(Database.class)
    void agentCutOffFromZooKeeperFencesItsPrimaryBeforeAnotherIsPromoted(Database database) throws Exception {
        try (LocalCluster cluster = LocalCluster.start(
                LocalCluster.Options.defaults().withDatabase(database).proxied())) {
            assertFencedBeforeFailover(cluster, new Fault() {
                @Override
                public void inflict(Node primary) {
                    primary.cutFromZooKeeper();
                }

                @Override
                public void repair(Node primary) {
                    primary.reconnectToZooKeeper();
                }
            });
        }
    }

    private static void assertFencedBeforeFailover(LocalCluster cluster, Fault fault) throws Exception {
        Node old = cluster.awaitPrimary();
        try (WriteLoad load = WriteLoad.start(cluster)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 100);
            fault.inflict(old);
            Node successor = cluster.awaitNewPrimary(old);
            int before = load.count();
            await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > before + 50);
            load.close();
            assertNoOverlappingPrimaries(load);
            assertThat(load.spans()).extracting(WriteLoad.Span::node).containsExactly(old.name(), successor.name());
        }
        // Repaired, the old node rejoins as a replica of the new primary and catches up.
        fault.repair(old);
        cluster.awaitAllStreaming();
        Node primary = cluster.awaitPrimary();
        assertThat(primary).isNotSameAs(old);
        long rows = acknowledgedRows(cluster, primary);
        await().atMost(Duration.ofSeconds(30)).until(() -> acknowledgedRows(cluster, old) >= rows);
    }

    /** How many of the load's writes the node holds. */
    private static long acknowledgedRows(LocalCluster cluster, Node node) throws SQLException {
        return cluster.database() == Database.REDIS
                ? node.onRedis(redis -> redis.sync().dbsize())
                : count(node, "acked");
    }
}
