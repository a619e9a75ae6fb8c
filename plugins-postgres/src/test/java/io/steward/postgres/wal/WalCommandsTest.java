package io.steward.postgres.wal;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.cli.StewardCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
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

    @Test
    void aNameThatIsNotAWalFileIsBadUsage() {
        Run fetch = run("wal-fetch", "../../etc/passwd", "/tmp/x");

        assertThat(fetch.exitCode()).isEqualTo(StewardCli.EXIT_USAGE);
        assertThat(fetch.err()).contains("is not a WAL file name");
    }
}
