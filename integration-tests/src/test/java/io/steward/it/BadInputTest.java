package io.steward.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.steward.it.LocalCluster.Node;
import io.steward.it.acceptance.InstalledSteward;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scenario (i): bad input against a running cluster gets a clear error and changes nothing: same primary, same epoch,
 * no pending request, same maintenance flag.
 */
class BadInputTest {
    static LocalCluster cluster;
    static Node primary;

    @BeforeAll
    static void start() throws Exception {
        cluster = LocalCluster.start(LocalCluster.Options.defaults());
        primary = cluster.awaitPrimary();
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    @Test
    void rejectedApiCallsChangeNothing() throws Exception {
        JsonNode before = ClusterAssertions.cluster(primary);
        Node replica =
                cluster.nodes().stream().filter(n -> n != primary).findFirst().orElseThrow();

        assertRejected(replica.post("/switchover", "{}", Optional.empty()), 401, "token");
        assertRejected(replica.post("/switchover", "{}", Optional.of("wrong-token")), 401, "token");
        assertRejected(replica.post("/failover", "{\"to\": ", Optional.of(LocalCluster.TOKEN)), 400, "");
        assertRejected(replica.post("/failover", "{\"to\": 7}", Optional.of(LocalCluster.TOKEN)), 400, "to");
        assertRejected(
                replica.post("/switchover", "{\"to\": \"pg1\", \"now\": true}", Optional.of(LocalCluster.TOKEN)),
                400,
                "now");
        assertRejected(
                replica.post("/maintenance", "{\"enabled\": \"yes please\"}", Optional.of(LocalCluster.TOKEN)),
                400,
                "enabled");
        assertRejected(
                replica.post("/switchover", "{\"to\": \"nobody\"}", Optional.of(LocalCluster.TOKEN)),
                409,
                "unknown member 'nobody'");
        assertRejected(
                replica.post("/failover", "{\"to\": \"nobody\"}", Optional.of(LocalCluster.TOKEN)),
                409,
                "unknown member 'nobody'");
        assertRejected(
                replica.post("/switchover", "{\"to\": \"" + primary.name() + "\"}", Optional.of(LocalCluster.TOKEN)),
                409,
                "already the primary");
        assertRejected(primary.post("/reinitialize", "{}", Optional.of(LocalCluster.TOKEN)), 409, "is the primary");
        assertThat(replica.get("/replica?lag=lots").orElseThrow().statusCode()).isEqualTo(400);

        JsonNode after = ClusterAssertions.cluster(primary);
        assertThat(after.path("leader")).isEqualTo(before.path("leader"));
        assertThat(after.path("epoch")).isEqualTo(before.path("epoch"));
        assertThat(after.path("maintenance").asBoolean()).isFalse();
        assertThat(after.path("transfer").isNull() || after.path("transfer").isMissingNode())
                .isTrue();
        assertThat(cluster.primaries()).containsExactly(primary);
    }

    @Test
    void rejectedCliCallsExplainThemselvesAndChangeNothing() throws Exception {
        long epoch = ClusterAssertions.epoch(primary);
        StringWriter err = new StringWriter();
        assertThat(cli(
                        err,
                        "failover",
                        "--api",
                        primary.apiUrl(),
                        "--token-file",
                        LocalCluster.tokenFile().toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--to");
        err.getBuffer().setLength(0);
        assertThat(cli(
                        err,
                        "switchover",
                        "--force",
                        "--api",
                        primary.apiUrl(),
                        "--token-file",
                        LocalCluster.tokenFile().toString(),
                        "--to",
                        "nobody"))
                .isEqualTo(1);
        assertThat(err.toString()).contains("unknown member 'nobody'");
        err.getBuffer().setLength(0);
        assertThat(cli(
                        err,
                        "maintenance",
                        "sometimes",
                        "--api",
                        primary.apiUrl(),
                        "--token-file",
                        LocalCluster.tokenFile().toString()))
                .isEqualTo(2);
        assertThat(ClusterAssertions.epoch(primary)).isEqualTo(epoch);
        assertThat(cluster.primaries()).containsExactly(primary);
    }

    @Test
    void agentWithBadConfigurationRefusesToStartAndTouchesNothing() throws Exception {
        Path dir = Files.createTempDirectory("steward-bad-config");
        Path dataDir = dir.resolve("data");
        Path config = dir.resolve("steward.yml");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "cluster: broken",
                        "engine: postgresql",
                        "node: {name: 'bad name!', host: 127.0.0.1, priority: lots}",
                        "zookeeper: {connect: " + cluster.zookeeper().connectString()
                                + ", session_timeout: 1h, digest_user: steward, digest_password: it-zookeeper-secret}",
                        "ha: {loop_wait: 1s, maximum_lag: 5}",
                        "aws: {imds: off}",
                        "postgresql: {data_dir: " + dataDir + ", port: 99999}",
                        ""));
        LocalCluster.AgentExit agent = LocalCluster.runAgentUntilItExits(config);

        assertThat(agent.exitCode()).as(agent.output()).isEqualTo(2);
        assertThat(agent.output())
                .contains(
                        "node.name",
                        "node.priority",
                        "zookeeper.session_timeout",
                        "ha.maximum_lag",
                        "postgresql.port",
                        "postgresql.superuser_password");
        assertThat(dataDir).doesNotExist();
    }

    private static void assertRejected(HttpResponse<String> response, int status, String mentions) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.body()).contains("\"error\"").contains(mentions);
    }

    /** The installed {@code steward}: its exit code, and what it printed on stderr appended to {@code err}. */
    private static int cli(StringWriter err, String... args) throws Exception {
        InstalledSteward.CliRun run = InstalledSteward.shared().run(args);
        err.append(run.err());
        return run.exitCode();
    }
}
