package io.steward.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster.Node;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Cluster-wide settings: set once through any agent, in force on every node; bad values change nothing. */
class ClusterSettingsTest {

    @Test
    void synchronousModeSwitchedOnAtRuntimeReachesThePrimary() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            Node primary = cluster.awaitPrimary();
            Node replica = cluster.nodes().stream()
                    .filter(n -> n != primary)
                    .findFirst()
                    .orElseThrow();
            assertThat(primary.queryOne("SHOW synchronous_standby_names")).isEmpty();

            HttpResponse<String> refused =
                    replica.post("/settings", "{\"synchronous_mode\": \"sometimes\"}", Optional.of(LocalCluster.TOKEN));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
            assertThat(ClusterAssertions.cluster(primary).path("settings").size())
                    .isZero();

            HttpResponse<String> accepted =
                    replica.post("/settings", "{\"synchronous_mode\": true}", Optional.of(LocalCluster.TOKEN));
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            // The primary, told by nobody but ZooKeeper, names a synchronous standby and records it.
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> ClusterAssertions.cluster(primary)
                            .path("sync")
                            .path("standby")
                            .isTextual());
            String standby = ClusterAssertions.cluster(primary)
                    .path("sync")
                    .path("standby")
                    .asText();
            assertThat(primary.queryOne("SHOW synchronous_standby_names")).contains(standby);
            assertThat(ClusterAssertions.cluster(replica)
                            .path("settings")
                            .path("synchronous_mode")
                            .asText())
                    .isEqualTo("true");

            assertThat(replica.post("/settings", "{\"synchronous_mode\": null}", Optional.of(LocalCluster.TOKEN))
                            .statusCode())
                    .isEqualTo(202);
            await().atMost(Duration.ofSeconds(60))
                    .until(() ->
                            primary.queryOne("SHOW synchronous_standby_names").isEmpty());
        }
    }
}
