package io.steward.it.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.Database;
import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import io.steward.it.WriteLoad;
import io.steward.it.acceptance.InstalledSteward;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, scenario (f): bad configuration, bad user data and a Redis server that cannot be reached get a clear
 * error, and change nothing the cluster relies on.
 */
class RedisBadInputTest {
    private static final LocalCluster.Options REDIS =
            LocalCluster.Options.defaults().withDatabase(Database.REDIS);

    @Test
    void badRedisSettingsStopTheAgentBeforeItTouchesAnything() throws Exception {
        Path dir = Files.createTempDirectory("steward-bad-redis");
        Path dataDir = dir.resolve("data");
        Path config = dir.resolve("steward.yml");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "cluster: broken",
                        "engine: redis",
                        "node: {name: r1, host: 127.0.0.1}",
                        "zookeeper: {connect: '127.0.0.1:1', digest_user: steward, digest_password: it-zookeeper-secret}",
                        "aws: {imds: off}",
                        "ha: {synchronous_mode: true}",
                        "redis: {data_dir: " + dataDir + ", persistence: sometimes, maxmemory_policy: allkeys-oldest,"
                                + " maxmemory: lots, topology: ring}",
                        ""));

        LocalCluster.AgentExit run = LocalCluster.runAgentUntilItExits(config);

        assertThat(run.exitCode()).as(run.output()).isEqualTo(2);
        assertThat(run.output())
                .contains(
                        "redis.persistence",
                        "sometimes",
                        "no, low, normal, high",
                        "redis.maxmemory_policy",
                        "allkeys-oldest",
                        "redis.maxmemory",
                        "redis.topology",
                        "star, chain",
                        "ha.synchronous_mode",
                        "false for engine redis");
        assertThat(dataDir).doesNotExist();
    }

    @Test
    void badBookUserDataIsRefusedKeyByKey() throws Exception {
        Path dir = Files.createTempDirectory("steward-bad-user-data");
        Path config = dir.resolve("steward.yml");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "engine: redis",
                        "node: {host: 127.0.0.1}",
                        "zookeeper: {connect: '127.0.0.1:1', digest_user: steward, digest_password: it-zookeeper-secret}",
                        "aws: {imds: off}",
                        "redis: {data_dir: " + dir.resolve("data") + "}",
                        ""));
        Path userData = dir.resolve("user-data.json");
        Files.writeString(
                userData,
                "{\"name\": \"r1\", \"cluster\": \"c\", \"persistence\": \"always\","
                        + " \"maxmemory-policy\": \"most-recently-used\", \"logging\": \"loud\"}");

        InstalledSteward.CliRun validation = InstalledSteward.shared()
                .run("validate-config", "--config", config.toString(), "--user-data", userData.toString());

        assertThat(validation.exitCode()).as(validation.transcript()).isEqualTo(2);
        assertThat(validation.err())
                .contains(
                        "redis.persistence",
                        "always",
                        "redis.maxmemory_policy",
                        "most-recently-used",
                        "redis.logging",
                        "loud");
        assertThat(dir.resolve("data")).doesNotExist();
    }

    /**
     * A replica's port is held by another program, so its redis-server cannot start: its agent says why, again and
     * again, while the primary and the epoch stay as they were; once the port is free, the replica rejoins.
     */
    @Test
    void aReplicaThatCannotStartItsServerSaysWhyAndChangesNothing() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(REDIS)) {
            Node primary = cluster.awaitPrimary();
            Node replica = cluster.nodes().stream()
                    .filter(n -> n != primary)
                    .findFirst()
                    .orElseThrow();
            String epoch =
                    primary.get("/cluster").orElseThrow().body().replaceAll("(?s).*\"epoch\"\\s*:\\s*(\\d+).*", "$1");
            replica.killNode();
            try (SilentListener squatter = new SilentListener(replica.databasePort())) {
                replica.startAgent();
                await("the agent explains why redis-server does not start")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> Files.readString(replica.agentLog()).contains("Address already in use"));
                await("its /health says what keeps failing")
                        .atMost(Duration.ofSeconds(60))
                        .until(() ->
                                failingAction(replica).path("reason").asText().contains("Address already in use"));
                assertThat(replica.isStreamingReplica()).isFalse();
                assertThat(cluster.primaries()).containsExactly(primary);
                assertThat(primary.get("/cluster").orElseThrow().body()).contains("\"epoch\":" + epoch);
            }
            cluster.awaitAllStreaming();
            assertThat(cluster.primaries()).containsExactly(primary);
            await("nothing failing any more")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> failingAction(replica).isNull());
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode failingAction(Node node) throws IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(node.get("/health").orElseThrow().body())
                .path("failingAction");
    }

    /**
     * The primary's redis-server hangs (SIGSTOP): it still runs but answers nothing. Its agent must make sure it
     * can never take writes again before another node is promoted, because it would wake up as a primary.
     */
    @Test
    void aHungPrimaryIsFencedBeforeAnotherIsPromoted() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(REDIS)) {
            Node old = cluster.awaitPrimary();
            long pid = old.serverPid().orElseThrow();
            try (WriteLoad load = WriteLoad.startRedis(cluster.nodes(), LocalCluster.SUPERUSER_PASSWORD)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 200);
                signal("STOP", pid);
                try {
                    cluster.awaitNewPrimary(old);
                } finally {
                    wakeUnlessKilled(pid);
                }
                // fenced by the agent giving up the lease, not by a watchdog that could no longer prove it: the lease
                // is
                // proven beside the loop while its probe waits for the hung server
                assertThat(Files.readString(old.agentLog()))
                        .contains("fencing the unresponsive local server before giving up the lease")
                        .doesNotContain("the lease could not be renewed in time");
                cluster.awaitAllStreaming();
                int before = load.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > before + 200);
                load.close();
                assertThat(load.overlap())
                        .as("nodes acknowledging writes at the same time; spans: %s", load.spans())
                        .isEmpty();
            }
            assertThat(old.isStreamingReplica()).isTrue();
        }
    }

    /** SIGCONT to a stopped server, unless the fence has killed it already (it cannot be told anything while hung). */
    private static void wakeUnlessKilled(long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        if (kill.exitValue() != 0) {
            await("server " + pid + " gone")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> ProcessHandle.of(pid).isEmpty());
        }
    }

    private static void signal(String name, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid))
                .inheritIO()
                .start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0)
                .as("kill -%s %d", name, pid)
                .isTrue();
    }

    /** Holds a port: accepts connections and never answers, like a program that is not Redis. */
    private static final class SilentListener implements AutoCloseable {
        private final ServerSocket socket;
        private final List<Socket> accepted = new ArrayList<>();
        private final Thread acceptor;

        SilentListener(int port) {
            // the killed server's socket goes only once the kernel has reaped the process
            socket = await("port " + port + " free")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .ignoreException(BindException.class)
                    .until(() -> bound(port), Objects::nonNull);
            acceptor = new Thread(
                    () -> {
                        try {
                            while (true) {
                                Socket client = socket.accept();
                                synchronized (accepted) {
                                    accepted.add(client);
                                }
                            }
                        } catch (IOException e) {
                            // closed
                        }
                    },
                    "silent-listener");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private static ServerSocket bound(int port) throws IOException {
            ServerSocket candidate = new ServerSocket();
            try {
                candidate.setReuseAddress(true);
                candidate.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return candidate;
            } catch (IOException e) {
                candidate.close();
                throw e;
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            socket.close();
            acceptor.join(10_000);
            synchronized (accepted) {
                for (Socket client : accepted) {
                    client.close();
                }
            }
        }
    }
}
