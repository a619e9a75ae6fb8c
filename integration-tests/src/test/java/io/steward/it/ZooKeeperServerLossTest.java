package io.steward.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster.Node;
import io.steward.testing.ZooKeeperEnsemble;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Scenario (e): losing one of three ZooKeeper servers is not a reason to fail over. Losing a follower changes
 * nothing. Losing the leader means an election among the other two, during which no session can be renewed: when it
 * outlasts the primary's lease deadline the primary fences itself (safety over liveness) and the cluster elects a
 * primary again, so for the leader only the safety side is asserted: never two primaries, and one again afterwards.
 */
class ZooKeeperServerLossTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @Test
    void losingAFollowerChangesNothingAndLosingTheLeaderNeverMakesTwoPrimaries() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            ZooKeeperEnsemble zookeeper = cluster.zookeeper();
            Node primary = cluster.awaitPrimary();
            long epoch = ClusterAssertions.epoch(primary);
            int leader = zookeeper.awaitLeader(PATIENCE);

            for (int server :
                    IntStream.range(0, 3).filter(server -> server != leader).toArray()) {
                zookeeper.kill(server);
                // two session timeouts: long enough for any agent whose server died to have lost its lease. An answer
                // that is late on a loaded machine counts as none; the unchanged epoch below shows no failover happened
                await().during(Duration.ofSeconds(10))
                        .atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(200))
                        .until(cluster::primaries, p -> p.isEmpty() || p.equals(List.of(primary)));
                assertThat(cluster.awaitPrimary()).isSameAs(primary);
                zookeeper.restart(server);
                // back in the quorum before the next one goes, or two servers would be missing
                await().atMost(PATIENCE).until(() -> zookeeper.mode(server).isPresent());
            }
            assertThat(ClusterAssertions.epoch(primary)).isEqualTo(epoch);

            zookeeper.kill(leader);
            await().during(Duration.ofSeconds(10))
                    .atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.primaries().size() <= 1);
            zookeeper.restart(leader);
            cluster.awaitPrimary();
            cluster.awaitAllStreaming();
        }
    }
}
