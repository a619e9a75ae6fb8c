package io.steward.it;

import static io.steward.it.ClusterAssertions.assertNoAcknowledgedWriteLost;
import static io.steward.it.ClusterAssertions.assertNoOverlappingPrimaries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster.Node;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Scenario (b) in synchronous mode: losing the primary node loses no acknowledged write. */
class SynchronousModeTest {

    @Test
    void nodeLossInSynchronousModeLosesNoAcknowledgedWrite() throws Exception {
        try (LocalCluster cluster =
                LocalCluster.start(LocalCluster.Options.defaults().synchronousMode())) {
            Node old = cluster.awaitPrimary();
            await("a synchronous standby recorded")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> !ClusterAssertions.cluster(old)
                                    .path("sync")
                                    .path("standby")
                                    .isMissingNode()
                            && !ClusterAssertions.cluster(old)
                                    .path("sync")
                                    .path("standby")
                                    .isNull());
            String standby =
                    ClusterAssertions.cluster(old).path("sync").path("standby").asText();
            assertThat(old.queryOne("SHOW synchronous_standby_names")).contains(standby);
            try (WriteLoad load = WriteLoad.start(cluster)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 200);
                old.killAgent();
                old.killServer();
                Node successor = cluster.awaitNewPrimary(old);
                assertThat(successor.name()).isEqualTo(standby);
                int before = load.count();
                // Writes resume once the new primary has a synchronous standby of its own.
                await().atMost(Duration.ofSeconds(60)).until(() -> load.count() > before + 50);
                load.close();
                assertNoOverlappingPrimaries(load);
                assertNoAcknowledgedWriteLost(load, successor);
            }
        }
    }
}
