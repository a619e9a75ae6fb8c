package io.steward.it;

import io.steward.it.LocalCluster.Node;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Scenario (e): losing one of three ZooKeeper servers is not a reason to fail over. */
class ZooKeeperServerLossTest {

    @Test
    void oneDeadZooKeeperServerChangesNothing() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            Node primary = cluster.awaitPrimary();
            long epoch = ClusterAssertions.epoch(primary);
            for (int server = 0; server < 3; server++) {
                cluster.zookeeper().kill(server);
                // Two session timeouts: long enough for any agent whose server died to have lost its lease.
                await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                        .until(cluster::primaries, p -> p.equals(java.util.List.of(primary)));
                cluster.zookeeper().restart(server);
            }
            assertThat(ClusterAssertions.epoch(primary)).isEqualTo(epoch);
            cluster.awaitAllStreaming();
        }
    }
}
