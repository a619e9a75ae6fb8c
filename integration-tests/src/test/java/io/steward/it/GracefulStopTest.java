package io.steward.it;

import static io.steward.it.ClusterAssertions.assertNoAcknowledgedWriteLost;
import static io.steward.it.ClusterAssertions.assertNoOverlappingPrimaries;
import static io.steward.it.ClusterAssertions.history;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster.Node;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to an agent (a systemd stop, or a stop outside systemd): a primary hands over to the best replica first,
 * losing nothing, and every agent stops its server cleanly (unless told to leave a replica's running) and exits 0.
 */
class GracefulStopTest {
    /** How long a whole stop may take here: well under the 30 s a primary once waited for a candidate stopping too. */
    private static final Duration STOP_BOUND = Duration.ofSeconds(20);

    @Test
    void stoppedPrimaryHandsOverWithoutLosingAWrite() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            Node old = cluster.awaitPrimary();
            long epoch = ClusterAssertions.epoch(old);
            Node successor;
            try (WriteLoad load = WriteLoad.start(cluster)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 100);
                assertThat(old.stopAgent(Duration.ofSeconds(90))).isZero();
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
            assertThat(clusterState(old)).isEqualTo("shut down");
        }
    }

    @Test
    void aStoppedReplicasAgentStopsItsServerCleanly() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            cluster.awaitAllStreaming();
            Node primary = cluster.awaitPrimary();
            Node replica = otherThan(cluster, primary).get(0);

            assertThat(replica.stopAgent(Duration.ofSeconds(90))).isZero();

            assertThat(replica.serverPid()).as("postmaster gone").isEmpty();
            assertThat(clusterState(replica)).isEqualTo("shut down in recovery");
            assertThat(cluster.primaries()).containsExactly(primary);
            assertThat(Files.readString(replica.agentLog())).contains("shutting down: stopping the server (replica)");
        }
    }

    @Test
    void aReplicasServerKeepsRunningWhenToldToOutliveItsAgent() throws Exception {
        LocalCluster.Options options =
                LocalCluster.Options.defaults().withEnvironment(Map.of("STEWARD_NODE_STOP_SERVER_ON_EXIT", "false"));
        try (LocalCluster cluster = LocalCluster.start(options)) {
            cluster.awaitAllStreaming();
            Node primary = cluster.awaitPrimary();
            Node replica = otherThan(cluster, primary).get(0);
            long postmaster = replica.serverPid().orElseThrow();

            assertThat(replica.stopAgent(Duration.ofSeconds(90))).isZero();

            assertThat(replica.serverPid()).contains(postmaster);
            assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive)).contains(true);
            assertThat(Files.readString(replica.agentLog())).contains("node.stop_server_on_exit is false");
        }
    }

    @Test
    void everyAgentStoppedAtOnceStopsItsServerCleanlyWithoutAFenceOrAWait() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            cluster.awaitAllStreaming();
            Node primary = cluster.awaitPrimary();

            long started = System.nanoTime();
            List<CompletableFuture<Integer>> exits = cluster.nodes().stream()
                    .map(node -> CompletableFuture.supplyAsync(() -> {
                        try {
                            return node.stopAgent(Duration.ofSeconds(90));
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }))
                    .toList();
            CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            for (CompletableFuture<Integer> exit : exits) {
                assertThat(exit.get()).isZero();
            }
            assertThat(took).as("the whole stop").isLessThan(STOP_BOUND);
            for (Node node : cluster.nodes()) {
                String log = Files.readString(node.agentLog());
                assertThat(node.serverPid()).as(node.name() + "'s postmaster").isEmpty();
                assertThat(clusterState(node))
                        .as(node.name())
                        .isEqualTo(node == primary ? "shut down" : "shut down in recovery");
                assertThat(log).as(node.name()).doesNotContain("fencing").doesNotContain("did not reach position");
            }
        }
    }

    private static List<Node> otherThan(LocalCluster cluster, Node node) {
        return cluster.nodes().stream().filter(n -> n != node).toList();
    }

    /** What pg_controldata says of the node's data directory: "shut down" after a clean stop of a primary. */
    private static String clusterState(Node node) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(
                        LocalCluster.PG_BIN.resolve("pg_controldata").toString(),
                        "-D",
                        node.dataDir().toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return output.lines()
                .filter(line -> line.startsWith("Database cluster state:"))
                .map(line -> line.substring("Database cluster state:".length()).trim())
                .findFirst()
                .orElseThrow(() -> new AssertionError("pg_controldata said: " + output));
    }
}
