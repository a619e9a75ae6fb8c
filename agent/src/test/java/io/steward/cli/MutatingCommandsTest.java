package io.steward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.steward.admin.AdminServer;
import io.steward.admin.DumpBackend;
import io.steward.admin.RecordingBackend;
import io.steward.admin.SnapshotBackend;
import io.steward.config.AdminConfig;
import io.steward.coordination.ClusterView;
import io.steward.coordination.MemberInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The commands that change something, in process against an agent's API over a recording backend. */
class MutatingCommandsTest {
    private static final String TOKEN = "s3cret-token-of-at-least-32-chars";
    private final RecordingBackend backend = new RecordingBackend();
    /** The agent of pg2, for requests about another member. */
    private final RecordingBackend pg2Backend = new RecordingBackend();

    private final List<AdminServer> servers = new ArrayList<>();
    private AdminServer server;

    @TempDir
    Path dir;

    private Path tokenFile;

    private record Run(int exitCode, String out, String err) {}

    /** A terminal whose operator gives {@code answer}; it keeps the questions. */
    private static final class Operator implements Confirmation.Terminal {
        final List<String> questions = new ArrayList<>();
        final String answer;

        Operator(String answer) {
            this.answer = answer;
        }

        @Override
        public boolean interactive() {
            return true;
        }

        @Override
        public String ask(String question) {
            questions.add(question);
            return answer;
        }
    }

    @BeforeEach
    void start() throws IOException {
        tokenFile = Files.writeString(dir.resolve("admin-token"), TOKEN + "\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        server = serve(backend);
        pg2Backend.self = RecordingBackend.replica(0, true);
        AdminServer pg2 = serve(pg2Backend);
        backend.cluster = withApiUrl(backend.cluster, "pg2", "http://127.0.0.1:" + pg2.port());
    }

    private AdminServer serve(RecordingBackend recording) throws IOException {
        AdminServer started = new AdminServer(
                new AdminConfig("127.0.0.1", 0, Optional.of(TOKEN)),
                recording,
                SnapshotBackend.NOT_CONFIGURED,
                DumpBackend.NOT_CONFIGURED,
                Optional.empty(),
                new MetricRegistry());
        started.start();
        servers.add(started);
        return started;
    }

    @AfterEach
    void stop() {
        servers.forEach(AdminServer::close);
        Confirmation.terminal = Confirmation.SYSTEM;
    }

    private static ClusterView withApiUrl(ClusterView view, String name, String apiUrl) {
        Map<String, MemberInfo> members = new HashMap<>(view.members());
        MemberInfo m = members.get(name);
        members.put(
                name,
                new MemberInfo(
                        m.name(),
                        m.role(),
                        m.healthy(),
                        m.database(),
                        apiUrl,
                        m.position(),
                        m.timeline(),
                        m.upstream(),
                        m.replayPaused(),
                        m.noFailover(),
                        m.priority(),
                        m.agentVersion(),
                        m.updatedAtMillis(),
                        m.problem(),
                        m.dnsName(),
                        m.tags(),
                        m.standingAside(),
                        m.stopping(),
                        m.engineReport()));
        return new ClusterView(
                members,
                view.lease(),
                view.epoch(),
                view.initialized(),
                view.maintenance(),
                view.transfer(),
                view.sync());
    }

    private Run run(String... args) {
        List<String> arguments = new ArrayList<>(List.of(args));
        arguments.add("--api=http://127.0.0.1:" + server.port());
        arguments.add("--token-file=" + tokenFile);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new StewardCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute(arguments.toArray(String[]::new));
        return new Run(exitCode, out.toString(), err.toString());
    }

    // ---- show-config and edit-config -------------------------------------------------------------------------------

    @Test
    void showConfigPrintsTheClusterWideSettingsAsYamlAndTheNodesOwnAsComments() {
        Run run = run("show-config");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("# Cluster-wide HA settings, stored in ZooKeeper")
                .contains("\nfailsafe_mode: true\n")
                .contains("# Not set cluster-wide: each node's own applies; on pg1:\n#   loop_wait: 1s\n")
                .contains("# pg1's own ha: section says otherwise; the cluster-wide value above wins there:\n"
                        + "#   failsafe_mode: false\n");
        assertThat(HaSettingsYaml.parse(run.out())).isEqualTo(Map.of("failsafe_mode", "true"));
        assertThat(run("show-config", "--json").out()).startsWith("{\"cluster\":{\"failsafe_mode\":\"true\"}");
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void editConfigSetShowsTheDiffAsksAndSends() {
        Operator operator = new Operator("y");
        Confirmation.terminal = operator;

        Run run = run("edit-config", "--set", "loop_wait=2s", "--set", "failsafe_mode=null");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("--- cluster-wide settings (ZooKeeper)\n+++ after this change\n@@ -1,1 +1,1 @@\n"
                        + "+loop_wait: 2s\n-failsafe_mode: true\n")
                .contains("cluster-wide settings changed");
        assertThat(operator.questions).containsExactly("Apply these changes to the cluster-wide settings? [y/N] ");
        assertThat(backend.calls)
                .containsExactlyInAnyOrder("settings:loop_wait=2s", "settings:failsafe_mode=(removed)");
    }

    @Test
    void editConfigRefusesABadValueNamingTheKeyAndChangesNothing() {
        Run run = run("edit-config", "--set", "loop_wait=soon", "--force");

        assertThat(run.exitCode()).isEqualTo(StewardCli.EXIT_REFUSED);
        assertThat(run.err()).contains("400").contains("loop_wait");
        Run unknown = run("edit-config", "--set", "loop_weight=2s", "--force");
        assertThat(unknown.exitCode()).isEqualTo(StewardCli.EXIT_REFUSED);
        assertThat(unknown.err()).contains("unknown field 'loop_weight'");
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void editConfigWithoutAChangeSendsNothingAndABadSetIsAUsageError() {
        Run same = run("edit-config", "--set", "failsafe_mode=true");
        assertThat(same.exitCode()).isZero();
        assertThat(same.out()).contains("no change: nothing sent");

        Run bad = run("edit-config", "--set", "loop_wait");
        assertThat(bad.exitCode()).isEqualTo(StewardCli.EXIT_USAGE);
        assertThat(bad.err()).contains("--set must be KEY=VALUE, was 'loop_wait'");
        assertThat(backend.calls).isEmpty();
    }

    // ---- confirmation ----------------------------------------------------------------------------------------------

    @Test
    void withoutATerminalAndWithoutForceNothingIsSentAndTheMessageSaysToPassForce() {
        Confirmation.terminal = new Confirmation.Terminal() {
            @Override
            public boolean interactive() {
                return false;
            }

            @Override
            public String ask(String question) {
                throw new AssertionError("no terminal to ask on");
            }
        };

        for (String[] command : List.of(
                new String[] {"edit-config", "--set", "loop_wait=2s"},
                new String[] {"restart"},
                new String[] {"reload"},
                new String[] {"reinit", "pg2"},
                new String[] {"switchover", "--to", "pg2"})) {
            Run run = run(command);
            assertThat(run.exitCode()).as(command[0]).isEqualTo(StewardCli.EXIT_USAGE);
            assertThat(run.err()).as(command[0]).contains("no terminal to ask on; pass --force to");
        }
        assertThat(backend.calls).isEmpty();
        assertThat(pg2Backend.calls).isEmpty();
    }

    @Test
    void anOperatorWhoDoesNotConfirmChangesNothing() {
        Confirmation.terminal = new Operator("n");

        Run run = run("switchover", "--to", "pg2");

        assertThat(run.exitCode()).isEqualTo(StewardCli.EXIT_REFUSED);
        assertThat(run.out()).contains("Current primary: pg1; candidate: pg2");
        assertThat(run.err()).contains("aborted: nothing changed");
        assertThat(backend.calls).isEmpty();
    }

    // ---- restart, reload, reinit, switchover -----------------------------------------------------------------------

    @Test
    void restartingThePrimaryWarnsOfTheWriteOutage() {
        Operator operator = new Operator("yes");
        Confirmation.terminal = operator;

        Run run = run("restart", "--role", "primary");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("pg1: restarted");
        assertThat(operator.questions)
                .containsExactly("pg1 is the primary: it keeps the lease and restarts in place, with no failover, and "
                        + "takes no writes until it is back. Restart pg1 now? [y/N] ");
        assertThat(backend.calls).containsExactly("restart:now:PRIMARY");
    }

    @Test
    void anotherMembersRestartGoesToItsAgent() {
        Operator operator = new Operator("y");
        Confirmation.terminal = operator;
        String at = Instant.now()
                .plus(1, ChronoUnit.HOURS)
                .truncatedTo(ChronoUnit.SECONDS)
                .toString();

        Run run = run("restart", "pg2", "--pending", "--scheduled", at);

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(operator.questions)
                .containsExactly("Restart pg2 (replica) at " + at + "? (only if a setting waits for a restart) [y/N] ");
        assertThat(pg2Backend.calls).containsExactly("restart:" + at + ":pending");
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void badRestartsAreUsageErrorsOrRefusals() {
        Run past = run("restart", "--scheduled", "2020-01-01T00:00:00Z", "--force");
        assertThat(past.exitCode()).isEqualTo(StewardCli.EXIT_USAGE);
        assertThat(past.err()).contains("in the past");
        assertThat(run("restart", "--role", "leader", "--force").exitCode()).isEqualTo(StewardCli.EXIT_USAGE);
        Run unknown = run("restart", "pg9", "--force");
        assertThat(unknown.exitCode()).isEqualTo(StewardCli.EXIT_REFUSED);
        assertThat(unknown.err()).contains("no member named 'pg9'; members: pg1, pg2, pg3");

        backend.restartOutcome = null;
        Run incapable = run("restart", "--force");
        assertThat(incapable.exitCode()).isEqualTo(StewardCli.EXIT_REFUSED);
        assertThat(incapable.err()).contains("lacks the Restartable capability");
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void reloadAndReinitOfAnotherMemberGoToItsAgent() {
        Operator operator = new Operator("y");
        Confirmation.terminal = operator;

        assertThat(run("reload", "pg2").exitCode()).isZero();
        Run reinit = run("reinit", "pg2");

        assertThat(reinit.exitCode()).as(reinit.err()).isZero();
        assertThat(operator.questions)
                .containsExactly(
                        "Reload the configuration of pg2 (replica)? [y/N] ",
                        "The data of pg2 (replica) will be replaced by a fresh copy of the primary's (its data "
                                + "directory is moved aside, not deleted). Reinitialize pg2? [y/N] ");
        assertThat(pg2Backend.calls).containsExactly("reload", "reinitialize");
    }

    @Test
    void aScheduledSwitchoverIsSentWithItsTimeAndCanBeCancelled() {
        String at = Instant.now()
                .plus(1, ChronoUnit.HOURS)
                .truncatedTo(ChronoUnit.SECONDS)
                .toString();

        Run run = run("switchover", "--to", "pg2", "--scheduled", at, "--force");
        Run cancel = run("switchover", "--cancel");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("switchover to pg2 scheduled at " + at);
        assertThat(cancel.exitCode()).isZero();
        assertThat(cancel.out()).contains("cancelled");
        assertThat(backend.calls).containsExactly("switchover:pg2@" + at, "cancel-switchover");
    }
}
