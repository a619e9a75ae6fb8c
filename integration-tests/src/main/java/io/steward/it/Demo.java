package io.steward.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.steward.it.LocalCluster.Node;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The README's first command: a three-node PostgreSQL cluster on this machine (embedded ZooKeeper ensemble, the
 * machine's PostgreSQL 15, one Steward agent process per node), a failover after the primary node is killed, the
 * old node rejoining, the history of primaries, and a clean stop. The agents and every {@code steward} command are
 * the launcher of the distribution the build just made (system property {@value #LAUNCHER}), as an operator runs them.
 */
public final class Demo {
    static final String LAUNCHER = "steward.launcher";
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);

    private static Path launcher;

    private Demo() {}

    public static void main(String[] args) throws Exception {
        // The embedded ensemble's servers log a follower's connection closing, and a send cut short while they elect
        // their leader, as ERRORs with stack traces: expected when the demo starts and stops the ensemble, and nothing
        // a newcomer should have to read.
        for (String noisy : List.of(
                "org.apache.zookeeper.server.quorum.LearnerHandler",
                "org.apache.zookeeper.server.quorum.QuorumCnxManager")) {
            ((Logger) org.slf4j.LoggerFactory.getLogger(noisy)).setLevel(Level.OFF);
        }
        String launcherPath = System.getProperty(LAUNCHER);
        if (launcherPath == null) {
            throw new IllegalStateException("system property " + LAUNCHER + " is not set (scripts/demo.sh sets it)");
        }
        launcher = Path.of(launcherPath);
        say("Starting a ZooKeeper ensemble of 3 and three PostgreSQL nodes, each run by its own Steward agent...");
        int exit = 0;
        try (LocalCluster cluster =
                LocalCluster.start(LocalCluster.Options.defaults().startedBy(StewardCommand.installed(launcher)))) {
            Node primary = cluster.awaitPrimary();
            say("Cluster " + cluster.name() + " is up. Agents' logs are under "
                    + primary.agentLog().getParent().getParent());
            status(primary);

            say("Writing 1000 rows on the primary " + primary.name() + "...");
            try (Connection c = primary.connect()) {
                c.createStatement()
                        .execute("CREATE TABLE demo AS SELECT g AS id, now() AS at FROM generate_series(1, 1000) g");
            }

            say("Killing node " + primary.name() + ": SIGKILL to its agent and to its postmaster.");
            long killed = System.nanoTime();
            primary.killNode();
            Node successor = cluster.awaitNewPrimary(primary);
            say(String.format(
                    "%s took over %.1f s later; it has %s of the 1000 rows.",
                    successor.name(),
                    (System.nanoTime() - killed) / 1e9,
                    successor.queryOne("SELECT count(*) FROM demo")));
            // the other replica follows the new primary a moment later: the table shows the cluster once it has
            awaitPublishedHealthy(successor, cluster.nodes().size() - 1);
            status(successor);

            say("Restarting " + primary.name() + "'s agent: it rewinds and rejoins as a replica of " + successor.name()
                    + "...");
            primary.startAgent();
            cluster.awaitAllStreaming();
            awaitPublishedHealthy(successor, cluster.nodes().size());
            status(successor);

            say("The cluster's history of primaries:");
            steward("history", "--api", successor.apiUrl());

            say(
                    "Stopping: SIGTERM to the replicas' agents, then to the primary's; each agent stops its server cleanly.");
            for (Node node : cluster.nodes()) {
                if (node != successor) {
                    node.stopAgent(Duration.ofSeconds(60));
                }
            }
            successor.stopAgent(Duration.ofSeconds(90));
        } catch (Exception | Error e) {
            System.err.println("demo failed: " + e);
            exit = 1;
        }
        say(exit == 0 ? "Demo finished cleanly." : "Demo failed.");
        System.exit(exit);
    }

    /**
     * Waits until the cluster's state, as {@code node} reads it, shows {@code members} healthy members: each agent
     * publishes what its server does a moment after it does it, and the table shows what they published.
     */
    private static void awaitPublishedHealthy(Node node, int members) {
        org.awaitility.Awaitility.await("every member published healthy")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> {
                    com.fasterxml.jackson.databind.JsonNode cluster = new com.fasterxml.jackson.databind.ObjectMapper()
                            .readTree(node.get("/cluster").orElseThrow().body());
                    int healthy = 0;
                    for (com.fasterxml.jackson.databind.JsonNode member : cluster.path("members")) {
                        healthy += member.path("healthy").asBoolean() ? 1 : 0;
                    }
                    return healthy == members;
                });
    }

    private static void status(Node node) throws IOException, InterruptedException {
        steward("status", "--api", node.apiUrl());
    }

    /** Runs {@code steward ARGUMENTS} as an operator would type it, its output on this console. */
    private static void steward(String... arguments) throws IOException, InterruptedException {
        System.out.println();
        System.out.println("$ steward " + String.join(" ", arguments));
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).inheritIO().start();
        if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(
                    "steward " + String.join(" ", arguments) + " did not end within " + COMMAND_TIMEOUT);
        }
        System.out.println();
    }

    private static void say(String line) {
        System.out.println("==> " + line);
    }
}
