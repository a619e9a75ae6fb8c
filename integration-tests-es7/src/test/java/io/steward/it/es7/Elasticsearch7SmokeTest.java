package io.steward.it.es7;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.Agent;
import io.steward.config.ConfigLoader;
import io.steward.config.StewardConfig;
import io.steward.testing.FreePorts;
import io.steward.testing.ZooKeeperEnsemble;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same plugin against Elasticsearch 7.10 (one node, its own master): healthy as the primary, metrics, a snapshot
 * on demand and a restore, and a stop whose drain is bounded (a single node has nowhere to move its shards).
 */
class Elasticsearch7SmokeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final String TOKEN = "es7-admin-token-at-least-32-characters";

    @Test
    void onePluginServesElasticsearch7(@TempDir Path dir) throws Exception {
        int httpPort = FreePorts.next();
        int adminPort = FreePorts.next();
        Path repo = Files.createDirectories(dir.resolve("snapshots"));
        Process node = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xms256m",
                        "-Xmx256m",
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        Elasticsearch7NodeMain.class.getName(),
                        dir.resolve("es").toString(),
                        "es1",
                        String.valueOf(httpPort),
                        String.valueOf(FreePorts.next()),
                        repo.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("es.log").toFile())
                .start();
        try (ZooKeeperEnsemble zookeeper = ZooKeeperEnsemble.start(dir.resolve("zookeeper"))) {
            await("Elasticsearch 7.10 answering")
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions()
                    .until(() -> call("GET", httpPort, "/_cluster/health?wait_for_status=green&timeout=1s", null)
                            .body()
                            .contains("\"green\""));
            assertThat(call("GET", httpPort, "/", null).body()).contains("\"number\" : \"7.10.2\"");
            Path config = dir.resolve("steward.yml");
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "cluster: es7",
                            "engine: elasticsearch",
                            "node: {name: es1, host: 127.0.0.1, state_dir: " + dir.resolve("state") + "}",
                            "zookeeper: {connect: '" + zookeeper.connectString()
                                    + "', session_timeout: 5s, digest_user: steward, digest_password: it-zookeeper-secret}",
                            "admin: {address: 127.0.0.1, port: " + adminPort + ", token: " + TOKEN + "}",
                            "aws: {imds: off}",
                            "elasticsearch:",
                            "  url: http://127.0.0.1:" + httpPort,
                            "  stop_command: kill -TERM " + node.pid(),
                            "  drain_timeout: 2s",
                            "  jvm_options_dir: " + dir.resolve("jvm.options.d"),
                            "  snapshots: {type: fs, settings: {location: " + repo + "}}",
                            ""));
            StewardConfig loaded = ConfigLoader.load(
                    new ConfigLoader.Sources(Optional.of(config), Optional.empty(), false, Map.of(), Map.of()));
            Agent agent = Agent.start(loaded, "test");
            try {
                await("the agent reporting its node as the primary")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200))
                        .ignoreExceptions()
                        .until(() -> {
                            HttpResponse<String> health = call("GET", adminPort, "/health", null);
                            return health.statusCode() == 200
                                    && JSON.readTree(health.body())
                                            .path("role")
                                            .asText()
                                            .equalsIgnoreCase("primary");
                        });
                assertThat(Files.readString(dir.resolve("jvm.options.d").resolve("steward-heap.options")))
                        .contains("-Xmx");
                assertThat(call(
                                        "POST",
                                        httpPort,
                                        "/_bulk?refresh=true",
                                        "{\"index\":{\"_index\":\"books\",\"_id\":\"1\"}}\n{\"t\":1}\n"
                                                + "{\"index\":{\"_index\":\"books\",\"_id\":\"2\"}}\n{\"t\":2}\n")
                                .body())
                        .contains("\"errors\":false");
                await("metrics")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> call("GET", adminPort, "/metrics", null)
                                .body()
                                .contains("steward_elasticsearch_cluster_nodes 1.0"));

                HttpResponse<String> taken = call("POST", adminPort, "/snapshot", "{}");
                assertThat(taken.statusCode()).as(taken.body()).isEqualTo(201);
                String name = JSON.readTree(taken.body()).path("name").asText();
                JsonNode listed =
                        JSON.readTree(call("GET", adminPort, "/snapshots", null).body());
                assertThat(listed).hasSize(1);
                assertThat(call("DELETE", httpPort, "/books", null).statusCode())
                        .isEqualTo(200);
                HttpResponse<String> restored = call(
                        "POST", adminPort, "/restore", "{\"snapshot\": \"" + name + "\", \"indices\": [\"books\"]}");
                assertThat(restored.statusCode()).as(restored.body()).isEqualTo(200);
                await("documents back")
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(250))
                        .ignoreExceptions()
                        .until(() -> JSON.readTree(call("GET", httpPort, "/books/_count", null)
                                                .body())
                                        .path("count")
                                        .asInt()
                                == 2);
            } finally {
                agent.close();
            }
            assertThat(node.waitFor(60, TimeUnit.SECONDS))
                    .as("the agent's stop stopped the node")
                    .isTrue();
        } finally {
            node.destroyForcibly();
            node.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static HttpResponse<String> call(String method, int port, String path, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TOKEN)
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
