package io.steward.it.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Three OpenSearch 2.19 nodes, each with its agent: every agent reports its node healthy, one of them as the elected master. */
class SearchClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyAgentReportsItsNodeHealthyAndTheElectedMasterAsPrimary() throws Exception {
        try (SearchCluster cluster = SearchCluster.start(SearchCluster.Options.defaults())) {
            SearchCluster.Node master = cluster.electedMaster();
            for (SearchCluster.Node node : cluster.nodes()) {
                JsonNode health = JSON.readTree(node.get("/health").orElseThrow().body());
                assertThat(health.path("healthy").asBoolean()).as(node + " healthy: " + health).isTrue();
                assertThat(health.path("role").asText()).as(node + " role: " + health)
                        .isEqualToIgnoringCase(node == master ? "primary" : "replica");
            }
            JsonNode members = JSON.readTree(master.get("/cluster").orElseThrow().body());
            assertThat(members.toString()).contains("os1").contains("os2").contains("os3");
        }
    }
}
