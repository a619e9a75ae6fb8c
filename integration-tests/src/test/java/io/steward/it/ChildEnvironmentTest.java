package io.steward.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the database's processes can read of the agent's environment: nothing secret. A database user can read its
 * server's {@code /proc/PID/environ} (PostgreSQL's superuser through {@code pg_read_file}), so an agent started with
 * its admin token, its ZooKeeper password and AWS keys in the environment must pass none of them to a child: not to
 * the server, not to the fence guard, not to anything else it starts.
 */
class ChildEnvironmentTest {
    private static final String AWS_SECRET = "it-aws-secret-" + Long.toHexString(System.nanoTime());
    private static final Map<String, String> SECRETS = Map.of(
            "STEWARD_ADMIN_TOKEN",
            LocalCluster.TOKEN,
            "STEWARD_ZOOKEEPER_DIGEST_PASSWORD",
            LocalCluster.ZOOKEEPER_PASSWORD,
            "AWS_SECRET_ACCESS_KEY",
            AWS_SECRET,
            "AWS_ACCESS_KEY_ID",
            "AKIAITCHILDENVTEST");

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void postgresqlServersAndTheFenceGuardHoldNoneOfTheAgentsSecrets() throws Exception {
        try (LocalCluster cluster =
                LocalCluster.start(LocalCluster.Options.defaults().withNodes(2).withEnvironment(SECRETS))) {
            assertNoSecretsInTheProcessesOf(cluster, "postgres");
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void redisServersAndTheFenceGuardHoldNoneOfTheAgentsSecrets() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults()
                .withNodes(2)
                .withDatabase(Database.REDIS)
                .withEnvironment(SECRETS))) {
            assertNoSecretsInTheProcessesOf(cluster, "redis-server");
        }
    }

    private static void assertNoSecretsInTheProcessesOf(LocalCluster cluster, String serverProgram) throws IOException {
        LocalCluster.Node primary = cluster.awaitPrimary();
        // The guard is armed once the primary has proven its lease; wait for it rather than assume it.
        await("the fence guard of " + primary.name())
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> descendants(primary.agentPid()).stream()
                        .anyMatch(pid -> commandLine(pid).contains("steward-guard")));
        for (LocalCluster.Node node : cluster.nodes()) {
            long server = node.serverPid().orElseThrow();
            assertThat(commandLine(server)).contains(serverProgram);
            List<Long> checked = new ArrayList<>(descendants(node.agentPid()));
            // the server daemonizes (pg_ctl, redis-server --daemonize): its parent is no longer the agent
            checked.add(server);
            for (long pid : checked) {
                Optional<String> environ = environ(pid);
                environ.ifPresent(text -> {
                    SECRETS.forEach((name, value) -> assertThat(text)
                            .as("environment of %s (pid %d, child of %s's agent)", commandLine(pid), pid, node.name())
                            .doesNotContain(name + "=")
                            .doesNotContain(value));
                    assertThat(text)
                            .as("environment of %s (pid %d)", commandLine(pid), pid)
                            .doesNotContain(LocalCluster.SUPERUSER_PASSWORD)
                            .doesNotContain("PGPASSWORD=");
                });
            }
        }
    }

    /** Every process whose chain of parents leads to {@code ancestor}, read from {@code /proc/PID/status}. */
    private static List<Long> descendants(long ancestor) throws IOException {
        Map<Long, Long> parents = new HashMap<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : entries.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                parentOf(entry)
                        .ifPresent(parent ->
                                parents.put(Long.parseLong(entry.getFileName().toString()), parent));
            }
        }
        List<Long> found = new ArrayList<>();
        for (long pid : parents.keySet()) {
            for (Long up = parents.get(pid); up != null && up > 1; up = parents.get(up)) {
                if (up == ancestor) {
                    found.add(pid);
                    break;
                }
            }
        }
        return found;
    }

    private static Optional<Long> parentOf(Path procEntry) {
        try {
            return Files.readAllLines(procEntry.resolve("status")).stream()
                    .filter(line -> line.startsWith("PPid:"))
                    .map(line -> Long.parseLong(line.substring(5).trim()))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty(); // ended meanwhile
        }
    }

    /** The process's environment as NUL-separated text; empty when it ended meanwhile. */
    private static Optional<String> environ(long pid) {
        try {
            return Optional.of(new String(
                    Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String commandLine(long pid) {
        try {
            return new String(
                            Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ')
                    .strip();
        } catch (IOException e) {
            return "(ended)";
        }
    }
}
