package io.steward.postgres.wal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.cli.ConfigOptions;
import io.steward.cli.StewardCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The plugin's commands on the {@code steward} command line, as PostgreSQL's archive and restore commands. */
class WalCommandsTest {
    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = StewardCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void theWalCommandsDocumentTheExitCodesPostgresNeeds() {
        Run root = run("--help");
        Run push = run("wal-push", "--help");
        Run fetch = run("wal-fetch", "--help");

        assertThat(root.out()).contains("wal-push", "wal-fetch");
        assertThat(push.exitCode()).isZero();
        // help wraps at 80 columns
        assertThat(push.out().replaceAll("\\s+", " "))
                .contains(
                        "archive_command = 'steward wal-push %p'",
                        "Exit codes:", "already archived with the same content", "--socket=SOCKET", "--config");
        assertThat(fetch.exitCode()).isZero();
        assertThat(fetch.out().replaceAll("\\s+", " "))
                .contains(
                        "restore_command = 'steward wal-fetch %f %p'",
                        "the archive has no such file", "no file is left");
    }

    /**
     * Without an agent the command reads the configuration itself: when that fails, the message names the file it
     * read (the agent's may be elsewhere) and how to name the right one.
     */
    @Test
    void withoutAnAgentAnInvalidConfigurationIsNamedWithHowToNameAnother(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("elsewhere.yml"), "engine: postgresql\n");

        Run push = run("wal-push", "pg_wal/000000010000000000000001", "--config", config.toString());
        Run fetch = run("wal-fetch", "000000010000000000000001", "pg_wal/RECOVERYXLOG", "--config", config.toString());

        assertThat(push.exitCode()).isEqualTo(WalPushCommand.INVALID);
        assertThat(push.err())
                .startsWith("steward wal-push: no agent took the request, so this command does the work itself, with "
                        + "the configuration in " + config + "; if the agent reads another file, name it in "
                        + "PostgreSQL's setting: archive_command = 'steward wal-push --config FILE %p'. invalid "
                        + "configuration (");
        assertThat(fetch.exitCode()).isEqualTo(WalFetchCommand.INVALID);
        assertThat(fetch.err())
                .contains(
                        "the configuration in " + config,
                        "restore_command = 'steward wal-fetch --config FILE %f %p'",
                        "invalid configuration (");
    }

    @Test
    void withoutAnyConfigurationFileTheMessageSaysWhichWasLookedFor() {
        Assumptions.assumeFalse(Files.exists(ConfigOptions.DEFAULT_CONFIG_FILE), "this machine has a configuration");

        Run push = run("wal-push", "pg_wal/000000010000000000000001");

        assertThat(push.exitCode()).isEqualTo(WalPushCommand.INVALID);
        assertThat(push.err())
                .contains(
                        "with no configuration file (/etc/steward/steward.yml does not exist)",
                        "archive_command = 'steward wal-push --config FILE %p'");
    }

    @Test
    void aNameThatIsNotAWalFileIsBadUsage() {
        Run fetch = run("wal-fetch", "../../etc/passwd", "/tmp/x");

        assertThat(fetch.exitCode()).isEqualTo(StewardCli.EXIT_USAGE);
        assertThat(fetch.err()).contains("is not a WAL file name");
    }
}
