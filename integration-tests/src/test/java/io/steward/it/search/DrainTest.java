package io.steward.it.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A stopping agent drains its node before stopping it: with no replicas, any shard still on the node when it stopped
 * would take its documents with it, so an unchanged count proves the shards moved first. Back again, the node's
 * exclusion is lifted.
 */
class DrainTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DOCUMENTS = 300;

    @Test
    void shardsMoveOffBeforeTheNodeStopsAndTheExclusionIsLiftedWhenItIsBack() throws Exception {
        try (SearchCluster cluster = SearchCluster.start(SearchCluster.Options.defaults())) {
            SearchCluster.Node staying = cluster.node("os1");
            SearchCluster.Node leaving = cluster.node("os3");
            assertThat(staying.search("PUT", "/books", """
                    {"settings": {"number_of_shards": 6, "number_of_replicas": 0}}""").statusCode()).isEqualTo(200);
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < DOCUMENTS; i++) {
                bulk.append("{\"index\":{\"_index\":\"books\",\"_id\":\"")
                        .append(i)
                        .append("\"}}\n")
                        .append("{\"title\":\"book ")
                        .append(i)
                        .append("\"}\n");
            }
            assertThat(staying.search("POST", "/_bulk?refresh=true", bulk.toString())
                            .body())
                    .contains("\"errors\":false");
            awaitGreen(staying);
            assertThat(shardsOn(staying, "os3"))
                    .as("shards on os3 before the stop")
                    .isPositive();

            assertThat(leaving.stopAgent(Duration.ofMinutes(3))).isZero();
            leaving.awaitServerStopped(Duration.ofSeconds(60));

            awaitGreen(staying);
            assertThat(JSON.readTree(
                                    staying.search("GET", "/books/_count", null).body())
                            .path("count")
                            .asInt())
                    .isEqualTo(DOCUMENTS);
            assertThat(Files.readString(leaving.agentLog()))
                    .contains("excluded node os3 from shard allocation")
                    .contains("node os3 holds no shards any more")
                    .contains("node os3 stopped");
            assertThat(excluded(staying)).isEqualTo("os3");

            leaving.startServer();
            leaving.awaitServerInCluster(3);
            leaving.startAgent();
            leaving.awaitHealthy();
            await("os3's exclusion lifted")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> excluded(staying).isEmpty());
        }
    }

    private static void awaitGreen(SearchCluster.Node node) {
        await("a green cluster")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(() -> JSON.readTree(
                                node.search("GET", "/_cluster/health", null).body())
                        .path("status")
                        .asText()
                        .equals("green"));
    }

    private static int shardsOn(SearchCluster.Node node, String name) throws Exception {
        int held = 0;
        for (JsonNode shard : JSON.readTree(
                node.search("GET", "/_cat/shards?format=json&h=node", null).body())) {
            if (shard.path("node").asText().equals(name)) {
                held++;
            }
        }
        return held;
    }

    private static String excluded(SearchCluster.Node node) throws Exception {
        return JSON.readTree(node.search("GET", "/_cluster/settings?flat_settings=true", null)
                        .body())
                .path("persistent")
                .path("cluster.routing.allocation.exclude._name")
                .asText("");
    }
}
