package io.steward.it.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Snapshots the way Elastic supports them, into an fs repository every node shares: one agent runs the schedule and
 * its retention, any agent takes one on demand, and an index deleted then restored has its documents back. Requests
 * that cannot be carried out are refused in the node's own words and change nothing.
 */
class SnapshotScheduleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DOCUMENTS = 100;

    @Test
    void theScheduleKeepsTheRetainedSnapshotsAndARestoreBringsTheDocumentsBack() throws Exception {
        String yaml = String.join(
                "\n",
                "  snapshots:",
                "    type: fs",
                "    settings: {location: " + SearchCluster.SNAPSHOT_DIR + "}",
                "    every: 2s",
                "    retention: {min_count: 1, max_count: 3}");
        try (SearchCluster cluster =
                SearchCluster.start(SearchCluster.Options.defaults().withExtraYaml(yaml))) {
            SearchCluster.Node os1 = cluster.node("os1");
            SearchCluster.Node os2 = cluster.node("os2");
            assertThat(os1.search(
                                    "PUT",
                                    "/books",
                                    "{\"settings\": {\"number_of_shards\": 3, \"number_of_replicas\": 1}}")
                            .statusCode())
                    .isEqualTo(200);
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < DOCUMENTS; i++) {
                bulk.append("{\"index\":{\"_index\":\"books\",\"_id\":\"")
                        .append(i)
                        .append("\"}}\n{\"n\":")
                        .append(i)
                        .append("}\n");
            }
            assertThat(os1.search("POST", "/_bulk?refresh=true", bulk.toString())
                            .body())
                    .contains("\"errors\":false");

            await("old scheduled snapshots expired, three kept")
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> logsContaining(cluster, "expired (retention").size() == 1
                            && scheduledSnapshots(os2).size() == 3);
            assertThat(logsContaining(cluster, "scheduled backup"))
                    .as("agents that ran the schedule")
                    .isEqualTo(logsContaining(cluster, "expired (retention"))
                    .hasSize(1);

            HttpResponse<String> taken = os2.post("/snapshot", "{}");
            assertThat(taken.statusCode()).as(taken.body()).isEqualTo(201);
            String manual = JSON.readTree(taken.body()).path("name").asText();
            assertThat(manual).startsWith("manual-");
            assertThat(JSON.readTree(taken.body()).path("indices").toString()).contains("books");

            HttpResponse<String> overExisting =
                    os2.post("/restore", "{\"snapshot\": \"" + manual + "\", \"indices\": [\"books\"]}");
            assertThat(overExisting.statusCode()).isEqualTo(409);
            assertThat(overExisting.body()).contains("books");
            assertThat(count(os1)).isEqualTo(DOCUMENTS);

            HttpResponse<String> unknown =
                    os2.post("/restore", "{\"snapshot\": \"no-such-snapshot\", \"indices\": [\"books\"]}");
            assertThat(unknown.statusCode()).isEqualTo(409);
            assertThat(unknown.body()).contains("no-such-snapshot");
            assertThat(os2.post("/restore", "{\"snapshot\": \"" + manual + "\"}")
                            .statusCode())
                    .as("no indices")
                    .isEqualTo(400);

            // the schedule keeps snapshotting, and the node refuses to delete an index a running snapshot is copying
            await("books deleted")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        HttpResponse<String> deleted = os1.search("DELETE", "/books", null);
                        if (deleted.statusCode() != 200 && !deleted.body().contains("snapshot_in_progress_exception")) {
                            throw new AssertionError("deleting books refused: " + deleted.body());
                        }
                        return deleted.statusCode() == 200;
                    });
            HttpResponse<String> restored =
                    os2.post("/restore", "{\"snapshot\": \"" + manual + "\", \"indices\": [\"books\"]}");
            assertThat(restored.statusCode()).as(restored.body()).isEqualTo(200);
            await("restored documents searchable")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions()
                    .until(() -> count(os1) == DOCUMENTS);
        }
    }

    @Test
    void anUnreachableNodeAndRequestsToChooseThePrimaryAreClearRefusalsThatChangeNothing() throws Exception {
        String yaml = String.join(
                "\n", "  snapshots:", "    type: fs", "    settings: {location: " + SearchCluster.SNAPSHOT_DIR + "}");
        try (SearchCluster cluster =
                SearchCluster.start(SearchCluster.Options.defaults().withExtraYaml(yaml))) {
            SearchCluster.Node os1 = cluster.node("os1");
            SearchCluster.Node os3 = cluster.node("os3");
            os3.killServer();
            await("os3's agent reporting its node down")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> os3.get("/health")
                            .map(r -> r.statusCode() == 503 && r.body().contains("unreachable"))
                            .orElse(false));

            HttpResponse<String> refused = os3.post("/snapshot", "{}");

            assertThat(refused.statusCode()).isEqualTo(409);
            assertThat(refused.body()).contains("unreachable").contains("127.0.0.1:" + os3.httpPort());
            HttpResponse<String> listed = os1.get("/snapshots").orElseThrow();
            assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
            assertThat(JSON.readTree(listed.body())).as("no snapshot taken").isEmpty();

            for (String[] request :
                    new String[][] {{"/failover", "{\"to\": \"os2\"}"}, {"/switchover", "{}"}, {"/reinitialize", "{}"}
                    }) {
                HttpResponse<String> answer = os1.post(request[0], request[1]);
                assertThat(answer.statusCode()).as(request[0]).isEqualTo(409);
                assertThat(answer.body()).contains("the database elects its own primary");
            }
        }
    }

    private static List<String> scheduledSnapshots(SearchCluster.Node node) throws Exception {
        HttpResponse<String> listed = node.get("/snapshots").orElseThrow();
        List<String> names = new ArrayList<>();
        for (JsonNode snapshot : JSON.readTree(listed.body())) {
            if (snapshot.path("name").asText().startsWith("scheduled-")
                    && snapshot.path("state").asText().equals("SUCCESS")) {
                names.add(snapshot.path("name").asText());
            }
        }
        return names;
    }

    private static List<String> logsContaining(SearchCluster cluster, String text) throws Exception {
        List<String> names = new ArrayList<>();
        for (SearchCluster.Node node : cluster.nodes()) {
            if (Files.readString(node.agentLog()).contains(text)) {
                names.add(node.name());
            }
        }
        return names;
    }

    private static int count(SearchCluster.Node node) throws Exception {
        return JSON.readTree(node.search("GET", "/books/_count", null).body())
                .path("count")
                .asInt(-1);
    }
}
