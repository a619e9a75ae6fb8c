package io.steward.it.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import io.steward.it.acceptance.InstalledSteward.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 item 3: the operator's mutating commands, each run as a separate process through the launcher of the
 * unpacked tarball ({@code STEWARD_HOME}), against a real three-node PostgreSQL cluster. Standard input is
 * {@code /dev/null}: no terminal, so a command without {@code --force} must refuse.
 */
@Tag("root")
@Tag("servers")
class MutatingCommandsAcceptanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private InstalledSteward installed;

    @BeforeEach
    void unpack() throws Exception {
        installed = InstalledSteward.unpack(dir);
    }

    /**
     * {@code steward ARGS} as an operator runs it, with the admin token in the environment.
     *
     * @param environment more of it, each {@code NAME=value}
     */
    private CliRun steward(List<String> environment, String... args) throws Exception {
        Map<String, String> variables = new HashMap<>(Map.of("STEWARD_ADMIN_TOKEN", LocalCluster.TOKEN));
        for (String variable : environment) {
            int equals = variable.indexOf('=');
            variables.put(variable.substring(0, equals), variable.substring(equals + 1));
        }
        return installed.run(variables, "", List.of(args));
    }

    private CliRun steward(String... args) throws Exception {
        return steward(List.of(), args);
    }

    private static JsonNode read(Node node, String path) throws Exception {
        return JSON.readTree(node.get(path).orElseThrow().body());
    }

    @Test
    void editRestartReloadScheduleAndReinitThroughTheLauncher() throws Exception {
        try (LocalCluster cluster =
                LocalCluster.start(LocalCluster.Options.defaults().startedBy(installed.command()))) {
            cluster.awaitAllStreaming();
            Node primary = cluster.awaitPrimary();
            String api = "--api=" + primary.apiUrl();
            List<Node> replicas =
                    cluster.nodes().stream().filter(n -> n != primary).toList();

            // show-config: the cluster sets nothing yet; the node's own values are comments
            CliRun shown = steward("show-config", api);
            assertThat(shown.exitCode()).as(shown.output()).isZero();
            assertThat(shown.output())
                    .contains("# Cluster-wide HA settings, stored in ZooKeeper")
                    .contains("{}")
                    .contains("# Not set cluster-wide: each node's own applies; on " + primary.name())
                    .contains("#   maximum_lag_on_failover: ");

            // edit-config --set, then a bad value: refused naming the key, nothing changed
            CliRun set = steward("edit-config", "--set", "maximum_lag_on_failover=2MB", "--force", api);
            assertThat(set.exitCode()).as(set.output()).isZero();
            assertThat(set.output())
                    .contains("+maximum_lag_on_failover: 2MB")
                    .contains("cluster-wide settings changed");
            CliRun bad = steward("edit-config", "--set", "loop_wait=soon", "--force", api);
            assertThat(bad.exitCode()).as(bad.output()).isEqualTo(1);
            assertThat(bad.output()).contains("loop_wait");
            assertThat(read(primary, "/config").path("cluster").toString())
                    .isEqualTo("{\"maximum_lag_on_failover\":\"2MB\"}");
            assertThat(steward("show-config", api).output()).contains("\nmaximum_lag_on_failover: 2MB\n");

            // edit-config in $EDITOR: without a terminal and --force it refuses; with --force it applies
            Path editor = Files.writeString(
                    dir.resolve("editor.sh"),
                    "#!/bin/sh\nsed -i 's/^maximum_lag_on_failover: .*/maximum_lag_on_failover: 4MB/' \"$1\"\n");
            Files.setPosixFilePermissions(editor, PosixFilePermissions.fromString("rwx------"));
            List<String> withEditor = List.of("EDITOR=" + editor, "VISUAL=");
            CliRun unconfirmed = steward(withEditor, "edit-config", api);
            assertThat(unconfirmed.exitCode()).as(unconfirmed.output()).isEqualTo(2);
            assertThat(unconfirmed.output())
                    .contains("-maximum_lag_on_failover: 2MB\n+maximum_lag_on_failover: 4MB")
                    .contains("pass --force");
            assertThat(read(primary, "/config")
                            .path("cluster")
                            .path("maximum_lag_on_failover")
                            .asText())
                    .isEqualTo("2MB");
            CliRun edited = steward(withEditor, "edit-config", "--force", api);
            assertThat(edited.exitCode()).as(edited.output()).isZero();
            assertThat(read(primary, "/config")
                            .path("inForce")
                            .path("maximum_lag_on_failover")
                            .asText())
                    .isEqualTo("4MB");

            // restart of a replica, asked through the primary's agent: a new postmaster, streaming again
            Node restarted = replicas.get(0);
            long pidBefore = restarted.serverPid().orElseThrow();
            CliRun restart = steward("restart", restarted.name(), "--force", api);
            assertThat(restart.exitCode()).as(restart.output()).isZero();
            assertThat(restart.output()).contains(restarted.name() + ": restarted");
            assertThat(restarted.serverPid()).isPresent().isNotEqualTo(Optional.of(pidBefore));
            await().atMost(Duration.ofSeconds(60)).until(restarted::isStreamingReplica);
            CliRun notPending = steward("restart", restarted.name(), "--pending", "--force", api);
            assertThat(notPending.output()).contains("not restarted: no setting waits for a restart");

            // reload
            CliRun reload = steward("reload", "--force", api);
            assertThat(reload.exitCode()).as(reload.output()).isZero();
            assertThat(reload.output()).contains(primary.name() + ": the server rereads its configuration files");

            // a switchover a few seconds ahead: nothing before its time, done after it
            Node target = replicas.get(1);
            Instant at = Instant.now().plusSeconds(10).truncatedTo(ChronoUnit.SECONDS);
            CliRun scheduled =
                    steward("switchover", "--to", target.name(), "--scheduled", at.toString(), "--force", api);
            assertThat(scheduled.exitCode()).as(scheduled.output()).isZero();
            assertThat(scheduled.output()).contains("switchover to " + target.name() + " scheduled at " + at);
            assertThat(read(primary, "/cluster")
                            .path("transfer")
                            .path("scheduledAtMillis")
                            .asLong())
                    .isEqualTo(at.toEpochMilli());
            while (Instant.now().isBefore(at.minusMillis(500))) {
                assertThat(cluster.primaries()).as("before its time").containsExactly(primary);
                Thread.sleep(200);
            }
            await().atMost(Duration.ofSeconds(60)).until(cluster::primaries, p -> p.equals(List.of(target)));
            assertThat(Instant.now()).isAfterOrEqualTo(at);
            cluster.awaitAllStreaming();

            // reinit of the old primary, now a replica: a fresh copy, streaming again
            long oldPrimaryPid = primary.serverPid().orElseThrow();
            CliRun reinit = steward("reinit", primary.name(), "--force", "--api=" + target.apiUrl());
            assertThat(reinit.exitCode()).as(reinit.output()).isZero();
            assertThat(reinit.output()).contains("reinitialization of this node requested");
            await().atMost(Duration.ofSeconds(120))
                    .until(() -> primary.serverPid()
                                    .filter(pid -> pid != oldPrimaryPid)
                                    .isPresent()
                            && primary.isStreamingReplica());
            cluster.awaitAllStreaming();
        }
    }
}
