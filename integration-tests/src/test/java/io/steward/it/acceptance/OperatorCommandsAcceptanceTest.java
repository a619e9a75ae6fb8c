package io.steward.it.acceptance;

import static io.steward.it.acceptance.StatusRows.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster;
import io.steward.it.acceptance.InstalledSteward.CliRun;
import io.steward.testing.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's commands on a PostgreSQL cluster whose agents the tarball's launcher started ({@code bin/steward run}),
 * each run as a process of the same launcher, its human output read as printed: validate-config, status,
 * maintenance on and off, failover, and the exit codes of a refusal and of an agent that cannot be reached.
 */
class OperatorCommandsAcceptanceTest {
    @TempDir
    static Path dir;

    private static InstalledSteward steward;
    private static LocalCluster cluster;

    @BeforeAll
    static void startTheClusterFromTheTarball() throws Exception {
        steward = InstalledSteward.unpack(dir);
        cluster = LocalCluster.start(LocalCluster.Options.defaults().startedBy(steward.command()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void anOperatorSteersTheClusterWithTheInstalledCommand() throws Exception {
        LocalCluster.Node primary = cluster.awaitPrimary();
        LocalCluster.Node successor = cluster.nodes().stream()
                .filter(node -> node != primary)
                .findFirst()
                .orElseThrow();

        CliRun valid =
                steward.run("validate-config", "--config", primary.config().toString());
        assertThat(valid.exitCode()).as(valid.transcript()).isZero();
        assertThat(valid.out()).contains("configuration OK");

        CliRun status = cli(primary, "status");
        assertThat(status.exitCode()).as(status.transcript()).isZero();
        assertThat(status.out())
                .contains("maintenance off")
                .contains("leader " + primary.name())
                .contains("MEMBER", "ROLE", "STATE", "LAG", "TIMELINE");
        assertThat(row(status.out(), primary.name()))
                .contains("primary (leader)", "healthy")
                .doesNotContain("unhealthy");

        CliRun on = cli(primary, "maintenance", "on");
        assertThat(on.exitCode()).as(on.transcript()).isZero();
        assertThat(on.out()).containsIgnoringCase("maintenance");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(cli(successor, "status").out()).contains("maintenance ON"));

        CliRun off = cli(primary, "maintenance", "off");
        assertThat(off.exitCode()).as(off.transcript()).isZero();
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(cli(successor, "status").out()).contains("maintenance off"));

        CliRun unknown = cli(primary, "failover", "--to", "no-such-member");
        assertThat(unknown.exitCode()).as(unknown.transcript()).isEqualTo(1);
        assertThat(unknown.err()).contains("no-such-member");

        CliRun failover = cli(primary, "failover", "--to", successor.name());
        assertThat(failover.exitCode()).as(failover.transcript()).isZero();
        assertThat(failover.out()).contains(successor.name());
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            String after = cli(successor, "status").out();
            assertThat(after).contains("leader " + successor.name());
            assertThat(row(after, successor.name()))
                    .contains("primary (leader)", "healthy")
                    .doesNotContain("unhealthy");
        });

        int closedPort = FreePorts.next();
        CliRun unreachable = steward.run("status", "--api", "http://127.0.0.1:" + closedPort);
        assertThat(unreachable.exitCode()).as(unreachable.transcript()).isEqualTo(3);
        assertThat(unreachable.err()).contains("cannot reach the agent at http://127.0.0.1:" + closedPort);
    }

    /** {@code steward ARGUMENTS} against one node's agent, with the token file an operator would use. */
    private static CliRun cli(LocalCluster.Node node, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(arguments));
        command.addAll(List.of(
                "--api", node.apiUrl(), "--token-file", LocalCluster.tokenFile().toString()));
        return steward.run(Map.of(), "", command);
    }
}
