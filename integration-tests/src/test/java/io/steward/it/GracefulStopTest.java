package io.steward.it;

import static io.steward.it.ClusterAssertions.assertNoAcknowledgedWriteLost;
import static io.steward.it.ClusterAssertions.assertNoOverlappingPrimaries;
import static io.steward.it.ClusterAssertions.history;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster.Node;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** SIGTERM to the primary's agent (a systemd stop): it hands over to the best replica first, losing nothing. */
class GracefulStopTest {

    @Test
    void stoppedPrimaryHandsOverWithoutLosingAWrite() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            Node old = cluster.awaitPrimary();
            long epoch = ClusterAssertions.epoch(old);
            Node successor;
            try (WriteLoad load = WriteLoad.start(cluster)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 100);
                // 143 = 128 + SIGTERM: how a JVM ends after its shutdown hooks (the graceful stop) have run.
                assertThat(old.stopAgent(Duration.ofSeconds(90))).isEqualTo(143);
                successor = cluster.awaitNewPrimary(old);
                int before = load.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > before + 50);
                load.close();
                assertNoOverlappingPrimaries(load);
                assertNoAcknowledgedWriteLost(load, successor);
            }
            assertThat(ClusterAssertions.epoch(successor)).isEqualTo(epoch + 1);
            var entries = history(successor);
            assertThat(entries.get(entries.size() - 1).path("reason").asText()).isEqualTo("switchover");
            // The stopped node left the cluster, and its server is down: nothing can write to it.
            // (the successor's view is its last tick's, which may predate the withdrawal by a moment)
            await().atMost(Duration.ofSeconds(30))
                    .until(() ->
                            ClusterAssertions.cluster(successor).path("members").size() == 2);
            assertThat(old.serverPid()).isEmpty();
        }
    }
}
