package io.steward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.steward.admin.AdminServer;
import io.steward.admin.DumpBackend;
import io.steward.admin.RecordingBackend;
import io.steward.admin.SnapshotBackend;
import io.steward.config.AdminConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StewardCliTest {
    private static final String TOKEN = "s3cret-token-of-at-least-32-chars";
    private final RecordingBackend backend = new RecordingBackend();
    private AdminServer server;

    private record Run(int exitCode, String out, String err) {}

    @TempDir
    Path dir;

    private Path tokenFile;

    @BeforeEach
    void start() throws IOException {
        tokenFile = Files.writeString(dir.resolve("admin-token"), TOKEN + "\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        server = new AdminServer(
                new AdminConfig("127.0.0.1", 0, Optional.of(TOKEN)),
                backend,
                SnapshotBackend.NOT_CONFIGURED,
                DumpBackend.NOT_CONFIGURED,
                Optional.empty(),
                new MetricRegistry());
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Runs the CLI against the test server. */
    private Run runAgainstAgent(String... args) {
        List<String> arguments = new ArrayList<>(List.of(args));
        arguments.add("--api=http://127.0.0.1:" + server.port());
        return run(arguments.toArray(String[]::new));
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new StewardCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void statusPrintsTheClusterAsATable() {
        Run run = runAgainstAgent("status");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Cluster epoch 3, maintenance off, leader pg1\n");
        assertThat(run.out())
                .contains(
                        "MEMBER",
                        "ROLE",
                        "STATE",
                        "LAG",
                        "TIMELINE",
                        "primary (leader)",
                        "1.5 MiB",
                        "unhealthy: postgres is not running");
    }

    @Test
    void statusJsonPrintsTheAgentsAnswer() {
        Run run = runAgainstAgent("status", "--json");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("{").contains("\"leader\":\"pg1\"");
    }

    @Test
    void snapshotCommandsReportAnAgentWithoutSnapshotSets() {
        Run take = runAgainstAgent("snapshot", "--retention", "daily", "--token-file", tokenFile.toString());
        Run list = runAgainstAgent("snapshots");

        assertThat(take.exitCode()).isEqualTo(StewardCli.EXIT_REFUSED);
        assertThat(take.err()).contains("snapshot sets are not configured on this node (backup.snapshots)");
        assertThat(list.exitCode()).isEqualTo(StewardCli.EXIT_REFUSED);
    }

    @Test
    void anUnknownRetentionClassIsAUsageError() {
        Run run = runAgainstAgent("snapshot", "--retention", "yearly", "--token-file", tokenFile.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--retention").contains("hourly, daily, weekly, monthly");
    }

    @Test
    void switchoverSendsTheCandidate() {
        Run run = runAgainstAgent("switchover", "--to", "pg2", "--force", "--token-file", tokenFile.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("switchover to pg2 requested");
        assertThat(backend.calls).containsExactly("switchover:pg2");
    }

    @Test
    void switchoverWithoutACandidateLetsTheAgentChoose() {
        assertThat(runAgainstAgent("switchover", "--force", "--token-file", tokenFile.toString())
                        .exitCode())
                .isZero();
        assertThat(backend.calls).containsExactly("switchover:*");
    }

    @Test
    void maintenanceOnAndOff() {
        assertThat(runAgainstAgent("maintenance", "on", "--token-file", tokenFile.toString())
                        .exitCode())
                .isZero();
        assertThat(runAgainstAgent("maintenance", "OFF", "--token-file", tokenFile.toString())
                        .exitCode())
                .isZero();
        assertThat(backend.calls).containsExactly("maintenance:true", "maintenance:false");
    }

    @Test
    void reinitializeAsksThisNodesAgentAndARefusalSaysWhy() {
        backend.self = RecordingBackend.replica(0, true);
        assertThat(runAgainstAgent("reinitialize", "--force", "--token-file", tokenFile.toString())
                        .exitCode())
                .isZero();
        assertThat(backend.calls).containsExactly("reinitialize");

        backend.self = RecordingBackend.primary();
        Run refused = runAgainstAgent("reinitialize", "--force", "--token-file", tokenFile.toString());
        assertThat(refused.exitCode()).isEqualTo(StewardCli.EXIT_REFUSED);
        assertThat(refused.err()).contains("cannot reinitialize the primary");
    }

    @Test
    void refusalsExitWith1AndPrintTheAgentsMessage() {
        Run unknownCandidate = runAgainstAgent("failover", "--to", "pg9", "--token-file", tokenFile.toString());
        assertThat(unknownCandidate.exitCode()).isEqualTo(StewardCli.EXIT_REFUSED);
        assertThat(unknownCandidate.err()).contains("409").contains("no member named 'pg9'");

        Run withoutToken = runAgainstAgent("failover", "--to", "pg2");
        assertThat(withoutToken.exitCode()).isEqualTo(StewardCli.EXIT_REFUSED);
        assertThat(withoutToken.err()).contains("401").contains("missing bearer token");

        assertThat(backend.calls).isEmpty();
    }

    @Test
    void badUsageExitsWith2AndSendsNothing() {
        assertThat(runAgainstAgent("failover", "--token-file", tokenFile.toString())
                        .exitCode())
                .isEqualTo(StewardCli.EXIT_USAGE);
        Run badToggle = runAgainstAgent("maintenance", "maybe", "--token-file", tokenFile.toString());
        assertThat(badToggle.exitCode()).isEqualTo(StewardCli.EXIT_USAGE);
        assertThat(badToggle.err()).contains("expected on or off, was 'maybe'");
        assertThat(run("status", "--api", "ftp://127.0.0.1/").exitCode()).isEqualTo(StewardCli.EXIT_USAGE);
        assertThat(runAgainstAgent("status", "--frobnicate").exitCode()).isEqualTo(StewardCli.EXIT_USAGE);
        assertThat(run("reboot").exitCode()).isEqualTo(StewardCli.EXIT_USAGE);
        assertThat(run().exitCode()).isEqualTo(StewardCli.EXIT_USAGE);
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void anUnreachableAgentExitsWith3() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        Run run = run("status", "--api", "http://127.0.0.1:" + closedPort);

        assertThat(run.exitCode()).isEqualTo(StewardCli.EXIT_UNREACHABLE);
        assertThat(run.err())
                .contains("cannot reach the agent at http://127.0.0.1:" + closedPort + ": connection refused");
    }

    @Test
    void versionPrintsDevOutsideAJar() {
        Run run = run("version");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out().strip()).isEqualTo("dev");
    }

    @Test
    void helpDocumentsTheExitCodes() {
        Run run = run("--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out())
                .contains(
                        "Exit codes:",
                        "status",
                        "switchover",
                        "failover",
                        "maintenance",
                        "refused",
                        "could not be reached");
    }

    @Test
    void aTokenOnTheCommandLineIsRefusedSayingWhy() {
        Run run = runAgainstAgent("switchover", "--token", TOKEN);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .contains("--token is refused")
                .contains("ps and /proc/PID/cmdline")
                .contains("--token-file")
                .doesNotContain(TOKEN);
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void aTokenFileOthersCanReadIsRefused() throws IOException {
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-r--r--"));

        Run run = runAgainstAgent("switchover", "--token-file", tokenFile.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .contains("--token-file " + tokenFile)
                .contains("has mode rw-r--r--")
                .contains("chmod 600");
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void theTokenFileTheConfigurationNamesIsUsedWhenNoneIsGiven() throws IOException {
        Path config = Files.writeString(dir.resolve("steward.yml"), "admin:\n  token_file: " + tokenFile + "\n");

        Run run = runAgainstAgent("switchover", "--force", "--config", config.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(backend.calls).containsExactly("switchover:*");
    }

    @Test
    void secretsGivenWithSetAreRefused() {
        for (String key : List.of("zookeeper.digest_password", "admin.token", "postgresql.superuser_password")) {
            Run run =
                    run("validate-config", "--config", dir.resolve("absent.yml").toString(), "--set", key + "=hunter2");

            assertThat(run.exitCode()).as(key).isEqualTo(2);
            assertThat(run.err())
                    .contains("--set " + key + "=... is refused")
                    .contains(key + "_file")
                    .doesNotContain("hunter2");
        }
    }
}
