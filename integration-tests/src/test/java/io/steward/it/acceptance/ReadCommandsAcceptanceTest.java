package io.steward.it.acceptance;

import static io.steward.it.acceptance.StatusRows.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import io.steward.it.packaging.Distribution;
import io.steward.it.packaging.Distribution.Result;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 item 3: the operator's read commands, run through the launcher of the unpacked tarball as separate
 * processes against a real three-node PostgreSQL cluster, print what a person reads; and the connection string that
 * {@code steward dsn} prints connects, with psql, to the server it names.
 */
class ReadCommandsAcceptanceTest {
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(1);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Path PSQL = LocalCluster.PG_BIN.resolve("psql");

    @TempDir
    Path dir;

    private InstalledSteward installed;

    @Test
    void statusListHistoryTopologyVersionAndDsnPrintWhatAnOperatorReads() throws Exception {
        installed = InstalledSteward.unpack(dir);
        String cliVersion = installed.home().getFileName().toString().substring("steward-".length());
        try (LocalCluster cluster =
                LocalCluster.start(LocalCluster.Options.defaults().startedBy(installed.command()))) {
            Node first = cluster.awaitPrimary();
            cluster.awaitAllStreaming();
            // a planned change of primary, so that the history has one from one member to another
            Node second =
                    cluster.nodes().stream().filter(n -> n != first).findFirst().orElseThrow();
            assertThat(first.post("/switchover", "{\"to\": \"" + second.name() + "\"}", Optional.of(LocalCluster.TOKEN))
                            .statusCode())
                    .isEqualTo(202);
            Node primary = cluster.awaitNewPrimary(first);
            assertThat(primary).isSameAs(second);
            cluster.awaitAllStreaming();
            execute(primary, "CREATE TABLE acceptance (v int); INSERT INTO acceptance VALUES (1)");
            // a setting that takes effect only after a restart, changed on the primary alone
            execute(primary, "ALTER SYSTEM SET max_connections = 150");
            execute(primary, "SELECT pg_reload_conf()");
            String api = primary.apiUrl();

            // status: the leader marked, the idle primary's caught-up replicas 0 s behind, the pending restart shown
            await().atMost(PATIENCE).untilAsserted(() -> {
                String status = steward("status", "--api", api);
                assertThat(row(status, primary.name()))
                        .contains("primary (leader)", "healthy, pending restart", "0 B", "priority=");
                for (Node node : cluster.nodes()) {
                    if (node != primary) {
                        assertThat(row(status, node.name()))
                                .contains("replica ", "healthy", "0 B", " 0 s ")
                                .doesNotContain("(leader)", "pending restart");
                    }
                }
            });
            String status = steward("status", "--api", api);
            assertThat(status.lines().findFirst().orElseThrow())
                    .matches("Cluster epoch \\d+, maintenance off, leader " + primary.name());
            assertThat(status.lines().skip(1).findFirst().orElseThrow())
                    .matches("MEMBER +HOST +ROLE +STATE +LAG +LAG TIME +TIMELINE +TAGS");
            assertThat(steward("list", "--api", api))
                    .startsWith("Cluster epoch")
                    .contains("primary (leader)");

            // watching: a table after a time line each refresh, then it stops by itself
            String watched = steward("status", "--api", api, "--watch", "0.2", "--count", "2");
            assertThat(Pattern.compile(
                                    "^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d .*Ctrl-C to stop\\)$",
                                    Pattern.MULTILINE)
                            .matcher(watched)
                            .results())
                    .hasSize(2);
            assertThat(watched.split("Cluster epoch", -1)).hasSize(3);

            // history: oldest first, the switchover from the first primary to the second last
            List<String> history = steward("history", "--api", api).lines().toList();
            assertThat(history.get(0)).matches("EPOCH +TIME +FROM +TO +REASON");
            assertThat(history.get(history.size() - 1))
                    .matches("\\d+ +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC +" + first.name() + " +"
                            + second.name() + " +switchover");

            // topology: the primary at the root, the two replicas under it
            List<String> topology = steward("topology", "--api", api).lines().toList();
            assertThat(topology).hasSize(3);
            assertThat(topology.get(0)).startsWith(primary.name() + " (primary, leader)  127.0.0.1:");
            assertThat(topology.subList(1, 3))
                    .allSatisfy(line ->
                            assertThat(line).matches("[├└]── \\S+ \\(replica\\)  127\\.0\\.0\\.1:\\d+  lag .*"));

            // version: the CLI's, then each member's agent
            List<String> version = steward("version", "--api", api).lines().toList();
            assertThat(version.get(0)).isEqualTo("steward CLI " + cliVersion);
            assertThat(version.get(1)).matches("MEMBER +AGENT VERSION");
            assertThat(version.subList(2, version.size()))
                    .hasSize(3)
                    .allSatisfy(line -> assertThat(line).matches("\\S+ +\\S+.*"));
            int closedPort;
            try (ServerSocket socket = new ServerSocket(0)) {
                closedPort = socket.getLocalPort();
            }
            InstalledSteward.CliRun unreachable = installed.run("version", "--api", "http://127.0.0.1:" + closedPort);
            assertThat(unreachable.exitCode()).as(unreachable.transcript()).isEqualTo(3);
            assertThat(unreachable.out()).startsWith("steward CLI " + cliVersion + "\n");
            assertThat(unreachable.err()).contains("cannot reach the agent at http://127.0.0.1:" + closedPort);

            // dsn: libpq strings that psql (libpq itself) connects with, to the server each names
            String toPrimary = steward("dsn", "--api", api).strip();
            assertThat(toPrimary).contains("target_session_attrs=read-write").contains("dbname=postgres");
            assertThat(psql(toPrimary, "SELECT pg_is_in_recovery()::text || ' ' || inet_server_port()"))
                    .isEqualTo("false " + primary.databasePort());
            String toReplica = steward("dsn", "--api", api, "--role", "replica").strip();
            assertThat(psql(toReplica, "SELECT pg_is_in_recovery()")).isEqualTo("t");
            Node replica = cluster.nodes().stream()
                    .filter(n -> n != primary)
                    .findFirst()
                    .orElseThrow();
            String toMember = steward("dsn", "--api", api, replica.name()).strip();
            assertThat(toMember).isEqualTo("host=127.0.0.1 port=" + replica.databasePort() + " dbname=postgres");
            assertThat(psql(toMember, "SELECT v FROM acceptance")).isEqualTo("1");
            // and over JDBC, from the host and port it printed
            assertThat(jdbcInRecovery(toMember)).isTrue();
        }
    }

    private static void execute(Node node, String sql) throws Exception {
        try (Connection connection = node.connect();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Runs the launcher, which must succeed; what it printed on stdout. */
    private String steward(String... arguments) throws Exception {
        InstalledSteward.CliRun run = installed.run(arguments);
        assertThat(run.exitCode()).as(run.transcript()).isZero();
        return run.out();
    }

    private static String psql(String connectionString, String sql) throws Exception {
        Result result = Distribution.run(
                COMMAND_TIMEOUT,
                "env",
                "PGUSER=postgres",
                "PGPASSWORD=" + LocalCluster.SUPERUSER_PASSWORD,
                "PGCONNECT_TIMEOUT=5",
                PSQL.toString(),
                "--no-psqlrc",
                "--tuples-only",
                "--no-align",
                "--command",
                sql,
                connectionString);
        assertThat(result.exitCode()).as(result.output()).isZero();
        return result.output().strip();
    }

    private static boolean jdbcInRecovery(String libpq) throws Exception {
        Matcher host = Pattern.compile("host=([^ ,]+)").matcher(libpq);
        Matcher port = Pattern.compile("port=(\\d+)").matcher(libpq);
        assertThat(host.find() && port.find()).as(libpq).isTrue();
        try (Connection connection = DriverManager.getConnection(
                        "jdbc:postgresql://" + host.group(1) + ":" + port.group(1) + "/postgres",
                        "postgres",
                        LocalCluster.SUPERUSER_PASSWORD);
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
