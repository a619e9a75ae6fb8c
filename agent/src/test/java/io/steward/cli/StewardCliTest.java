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

    /** restore runs by itself: its help speaks of no agent answering it, and lists its own exit codes. */
    @Test
    void restoreHelpDescribesACommandThatRunsWithoutTheAgent() {
        Run help = run("restore", "--help");

        String text = help.out().replaceAll("\\s+", " ");
        assertThat(help.exitCode()).isZero();
        assertThat(text)
                .contains(
                        "It does the work itself, in this process, with no agent involved",
                        "0 restored: the server takes writes",
                        "the volumes it made are removed again, or named with how to remove them")
                .doesNotContain("the agent refused", "the agent could not be reached", "with the agent stopped");
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
    void versionPrintsTheClisThenEachMembersAgentVersion() {
        Run run = runAgainstAgent("version");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("""
                steward CLI dev
                MEMBER  AGENT VERSION
                pg1     0.1.0 (not the CLI's)
                pg2     0.1.0 (not the CLI's)
                pg3     0.1.0 (not the CLI's)
                """);
    }

    @Test
    void versionStillPrintsTheClisWhenTheAgentCannotBeReached() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        Run run = run("version", "--api", "http://127.0.0.1:" + closedPort);

        assertThat(run.exitCode()).isEqualTo(StewardCli.EXIT_UNREACHABLE);
        assertThat(run.out()).isEqualTo("steward CLI dev\n");
        assertThat(run.err()).contains("cannot reach the agent at http://127.0.0.1:" + closedPort);
    }

    @Test
    void versionJson() {
        Run run = runAgainstAgent("version", "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"cli\":\"dev\"", "\"pg2\":\"0.1.0\"");
    }

    @Test
    void listIsStatus() {
        Run list = runAgainstAgent("list");

        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).isEqualTo(runAgainstAgent("status").out());
    }

    @Test
    void statusWatchPrintsATableAfterATimestampLineEachRefreshUntilTheCount() {
        Run run = runAgainstAgent("status", "--watch", "0.05", "--count", "3");

        assertThat(run.exitCode()).as(run.err()).isZero();
        String[] tables = run.out().split("\n\n");
        assertThat(tables).hasSize(3);
        for (String table : tables) {
            assertThat(table)
                    .matches("(?s)\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\S+ \\(every 50 ms; Ctrl-C to stop\\)\n"
                            + "Cluster epoch 3, .*")
                    .contains("primary (leader)");
        }
    }

    @Test
    void countGoesWithWatch() {
        assertThat(runAgainstAgent("status", "--count", "2").exitCode()).isEqualTo(StewardCli.EXIT_USAGE);
        assertThat(runAgainstAgent("status", "--watch", "0", "--count", "1").exitCode())
                .isEqualTo(StewardCli.EXIT_USAGE);
    }

    @Test
    void historyPrintsATableOldestFirst() {
        Run run = runAgainstAgent("history");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().lines().toList()).hasSize(4).first().asString().startsWith("EPOCH  TIME");
        assertThat(run.out()).containsSubsequence("bootstrap", "failover", "switchover");
        assertThat(runAgainstAgent("history", "--json").out()).startsWith("[{\"epoch\":1,");
    }

    @Test
    void topologyPrintsTheReplicasUnderThePrimary() {
        Run run = runAgainstAgent("topology");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("""
                pg1 (primary, leader)  10.0.0.1:5432
                ├── pg2 (replica)  10.0.0.2:5432  lag 1.5 MiB
                └── pg3 (stopped, unhealthy)  10.0.0.3:5432  (streams from no one now)
                """);
        assertThat(runAgainstAgent("topology", "--json").out())
                .startsWith("[{\"name\":\"pg1\"")
                .contains("\"replicas\":[{\"name\":\"pg2\"");
    }

    @Test
    void dsnPrintsTheEnginesConnectionStringForThePrimaryAReplicaOrAMember() {
        assertThat(runAgainstAgent("dsn").out()).isEqualTo("test://10.0.0.1:5432,10.0.0.2:5432?target=PRIMARY\n");
        assertThat(runAgainstAgent("dsn", "--role", "replica").out())
                .isEqualTo("test://10.0.0.2:5432,10.0.0.1:5432?target=REPLICA\n");
        assertThat(runAgainstAgent("dsn", "--role", "any").out())
                .isEqualTo("test://10.0.0.1:5432,10.0.0.2:5432?target=ANY\n");
        assertThat(runAgainstAgent("dsn", "pg3").out()).isEqualTo("test://10.0.0.3:5432?target=ANY\n");
        assertThat(runAgainstAgent("dsn", "--role", "replica", "pg3").exitCode())
                .isEqualTo(StewardCli.EXIT_USAGE);
    }

    @Test
    void dsnWithoutAPrimarySaysSoAndExitsWith1() {
        backend.cluster = new io.steward.coordination.ClusterView(
                java.util.Map.of(), Optional.empty(), 3, Optional.of("pg1"), false, Optional.empty(), Optional.empty());

        Run run = runAgainstAgent("dsn");

        assertThat(run.exitCode()).isEqualTo(StewardCli.EXIT_REFUSED);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("no primary:");
    }

    @Test
    void completionPrintsABashScriptThatKnowsEveryCommand() {
        StringWriter out = new StringWriter();
        CommandLine cli = StewardCli.commandLine();
        cli.setOut(new PrintWriter(out, true));

        int exitCode = cli.execute(StewardCli.COMPLETION_COMMAND);

        assertThat(exitCode).isZero();
        assertThat(out.toString()).contains("complete -F _complete_steward", "status", "switchover", "validate-config");
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
