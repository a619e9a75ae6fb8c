package io.steward.it.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Three OpenSearch 2.19 nodes, each with its agent: every agent reports its node healthy, one of them as the elected
 * master, and exposes the cluster's health and its node's stats as metrics.
 */
class SearchClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyAgentReportsItsNodeHealthyAndTheElectedMasterAsPrimary() throws Exception {
        try (SearchCluster cluster = SearchCluster.start(SearchCluster.Options.defaults())) {
            SearchCluster.Node master = cluster.electedMaster();
            for (SearchCluster.Node node : cluster.nodes()) {
                JsonNode health =
                        JSON.readTree(node.get("/health").orElseThrow().body());
                assertThat(health.path("healthy").asBoolean())
                        .as(node + " healthy: " + health)
                        .isTrue();
                assertThat(health.path("role").asText())
                        .as(node + " role: " + health)
                        .isEqualToIgnoringCase(node == master ? "primary" : "replica");
                assertThat(health.path("engine").path("cluster_nodes").asInt())
                        .as(node + ": " + health)
                        .isEqualTo(3);
                assertThat(health.path("engine").path("elected_master").asText())
                        .isEqualTo(master.name());
                assertThat(health.path("engine").path("cluster_status").asText())
                        .isIn("green", "yellow");
                assertThat(health.path("engine").has("unassigned_shards")).isTrue();
            }
            JsonNode members =
                    JSON.readTree(master.get("/cluster").orElseThrow().body());
            assertThat(members.toString()).contains("os1").contains("os2").contains("os3");

            assertThat(master.search("POST", "/_bulk?refresh=true", "{\"index\":{\"_index\":\"m\"}}\n{\"a\":1}\n")
                            .statusCode())
                    .isEqualTo(200);
            await("metrics from the cluster's health and the node's stats")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        String metrics = cluster.node("os1")
                                .get("/metrics")
                                .orElseThrow()
                                .body();
                        assertThat(metrics)
                                .contains("steward_elasticsearch_cluster_nodes 3.0")
                                .contains("steward_elasticsearch_unassigned_shards 0.0")
                                .containsPattern("steward_elasticsearch_cluster_status [01]\\.0")
                                .containsPattern("steward_elasticsearch_heap_max_bytes [1-9]")
                                .containsPattern("steward_elasticsearch_indexing_per_second ");
                    });
        }
    }
}
