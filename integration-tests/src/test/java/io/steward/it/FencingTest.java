package io.steward.it;

import io.steward.it.LocalCluster.Node;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.steward.it.ClusterAssertions.assertNoOverlappingPrimaries;
import static io.steward.it.ClusterAssertions.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenarios (c) and (d): the primary's agent dies or is cut off from ZooKeeper while PostgreSQL keeps running. The
 * old primary must stop taking writes before another node is promoted: clients writing to every node never see two
 * nodes acknowledge writes at the same time.
 */
class FencingTest {

    /** Something that happens to the primary's agent, and what undoes it. */
    private interface Fault {
        void inflict(Node primary) throws Exception;

        void repair(Node primary) throws Exception;
    }

    @Test
    void killedAgentFencesItsPrimaryBeforeAnotherIsPromoted() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
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

    @Test
    void agentCutOffFromZooKeeperFencesItsPrimaryBeforeAnotherIsPromoted() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults().proxied())) {
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
        long rows = count(primary, "acked");
        await().atMost(Duration.ofSeconds(30)).until(() -> count(old, "acked") >= rows);
    }
}
