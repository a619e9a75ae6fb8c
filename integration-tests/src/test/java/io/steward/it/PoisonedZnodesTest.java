package io.steward.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.it.LocalCluster.Node;
import io.steward.testing.FreePorts;
import io.steward.testing.ZooKeeperEnsemble;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad state in ZooKeeper, written with the cluster's own credentials (as a buggy tool would, or an intruder who stole
 * them), must not stop failover: real agents, real PostgreSQL servers, a real ensemble.
 */
class PoisonedZnodesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Bad znodes that outlive the failover: the lease the successor takes repairs the epoch and drops the switchover
     * request in the same transaction.
     */
    private static final Set<String> STILL_BAD =
            Set.of("/members/ghost", "/members/shadow", "/sync", "/config", "/maintenance");

    /** A client of the cluster's znodes holding the cluster's credentials. */
    private static CuratorFramework vandal(LocalCluster cluster) throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(cluster.zookeeper().connectString())
                .namespace("steward/" + cluster.name())
                .retryPolicy(new RetryOneTime(100))
                .authorization(
                        "digest",
                        (LocalCluster.ZOOKEEPER_USER + ":" + LocalCluster.ZOOKEEPER_PASSWORD)
                                .getBytes(StandardCharsets.UTF_8))
                .build();
        client.start();
        client.blockUntilConnected();
        return client;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Set<String> badZnodesIn(Node node, String endpoint) {
        return node.get(endpoint)
                .filter(response -> response.statusCode() == 200)
                .map(response -> {
                    try {
                        JsonNode list = JSON.readTree(response.body()).path("badZnodes");
                        return Set.copyOf(StreamSupport.stream(list.spliterator(), false)
                                .map(bad -> bad.path("path").asText())
                                .toList());
                    } catch (Exception e) {
                        return Set.<String>of();
                    }
                })
                .orElse(Set.of());
    }

    @Test
    @Timeout(600)
    void failoverWorksAmidBadZnodesAndEachIsNamedInHealthAndInTheLog() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults());
                CuratorFramework vandal = vandal(cluster)) {
            Node old = cluster.awaitPrimary();
            long epochBefore = ClusterAssertions.epoch(old);
            Node replica =
                    cluster.nodes().stream().filter(n -> n != old).findFirst().orElseThrow();
            byte[] replicaEntry = vandal.getData().forPath("/members/" + replica.name());

            vandal.create().forPath("/members/ghost", bytes("{}"));
            vandal.create().forPath("/members/shadow", replicaEntry); // names the replica: must not stand for it
            vandal.setData().forPath("/epoch", bytes("garbage\u0000"));
            vandal.create().forPath("/sync", new byte[] {(byte) 0xde, (byte) 0xad});
            vandal.create().forPath("/switchover", bytes("{\"kind\":\"SWITCHOVER\"}"));
            vandal.create().forPath("/config", bytes("[\"loop_wait\"]"));
            vandal.create().forPath("/maintenance", bytes("ture"));
            vandal.create().forPath("/history/h-9999999999", bytes("not json"));

            old.killNode();
            Node successor = cluster.awaitNewPrimary(old);

            List<Node> survivors =
                    cluster.nodes().stream().filter(n -> n != old).toList();
            assertThat(survivors).allMatch(Node::agentRunning);
            await("a tick of every survivor reads the bad znodes again")
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> {
                        for (Node node : survivors) {
                            assertThat(badZnodesIn(node, "/health"))
                                    .as(node.name())
                                    .containsAll(STILL_BAD)
                                    .doesNotContain("/epoch", "/switchover");
                            assertThat(badZnodesIn(node, "/cluster"))
                                    .as(node.name())
                                    .containsAll(STILL_BAD);
                        }
                    });
            assertThat(ClusterAssertions.epoch(successor))
                    .as("never read as 0: past the garbage's version")
                    .isGreaterThan(epochBefore);
            JsonNode members = ClusterAssertions.cluster(successor).path("members");
            assertThat(StreamSupport.stream(members.spliterator(), false)
                            .map(m -> m.path("name").asText()))
                    .doesNotContain("ghost", "shadow");
            for (Node node : survivors) {
                String log = Files.readString(node.agentLog());
                for (String path : List.of("/members/ghost", "/members/shadow", "/epoch", "/sync")) {
                    assertThat(log).as(node.name()).contains("bad znode " + path + ": ");
                }
                assertThat(log.lines()
                                .filter(line -> line.contains("bad znode /members/ghost: "))
                                .count())
                        .as("logged once, not at every tick")
                        .isEqualTo(1);
            }
            assertThat(survivors).allMatch(Node::agentRunning);
            // the old node comes back and rejoins under the new primary, bad znodes and all
            old.startAgent();
            await().atMost(Duration.ofSeconds(120)).until(old::isStreamingReplica);
        }
    }

    @Test
    @Timeout(120)
    void anAgentWithoutCredentialsIsRefusedUnlessTheAclIsOpenedOnPurpose(@TempDir Path dir) throws Exception {
        try (ZooKeeperEnsemble zookeeper = ZooKeeperEnsemble.start(dir.resolve("zookeeper"))) {
            Path nodeDir = Files.createDirectories(dir.resolve("pg1"));
            List<String> lines = new ArrayList<>(List.of(
                    "cluster: open-acl",
                    "engine: postgresql",
                    "node: {name: pg1, host: 127.0.0.1, state_dir: " + nodeDir.resolve("state") + "}",
                    "zookeeper: {connect: '" + zookeeper.connectString() + "', tick_time: "
                            + ZooKeeperEnsemble.TEST_TICK_MILLIS + "ms}",
                    "admin: {address: 127.0.0.1, port: " + FreePorts.next() + ", token: " + LocalCluster.TOKEN + "}",
                    "aws: {imds: off}"));
            lines.addAll(Database.POSTGRESQL.section(nodeDir, FreePorts.next()));
            lines.add("");
            Path config = Files.writeString(nodeDir.resolve("steward.yml"), String.join("\n", lines));

            LocalCluster.AgentExit agent = LocalCluster.runAgentUntilItExits(config);

            assertThat(agent.exitCode()).as(agent.output()).isEqualTo(2);
            assertThat(agent.output())
                    .contains("zookeeper.digest_user: missing; required (with digest_password or "
                            + "digest_password_file) unless zookeeper.acl is open");
            assertThat(nodeDir.resolve("data")).as("nothing touched").doesNotExist();
            try (CuratorFramework client =
                    CuratorFrameworkFactory.newClient(zookeeper.connectString(), new RetryOneTime(100))) {
                client.start();
                client.blockUntilConnected();
                assertThat(client.checkExists().forPath("/steward/open-acl"))
                        .as("nothing created in ZooKeeper")
                        .isNull();
            }
        }
    }
}
