package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.EngineContext;
import io.steward.engine.support.CommandRunner;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The postmaster as postmaster.pid and the process table show it, and the fence guard's command; no server runs. */
@Tag("root")
class PostmasterTest {
    @TempDir
    Path root;

    private Path dataDir;
    private Postmaster postmaster;

    @BeforeEach
    void setUp() throws IOException {
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        dataDir = ownedByPostgres(Files.createDirectory(root.resolve("data")));
        ObjectNode section = new ObjectMapper()
                .createObjectNode()
                .put("data_dir", dataDir.toString())
                .put("superuser_password", "s")
                .put("replication_password", "r");
        PostgresSettings settings = PostgresSettings.read(new EngineContext(
                "n1",
                "127.0.0.1",
                new Settings("postgresql", section, new ConfigProblems()),
                root.resolve("state"),
                new MetricRegistry()));
        CommandRunner runner = new CommandRunner(settings.osUser());
        postmaster = new Postmaster(settings, runner, new DataDirectory(settings, runner), root.resolve("server.log"));
    }

    @Test
    void noPidFileIsNoPostmaster() {
        assertThat(postmaster.status()).isEmpty();
        assertThat(postmaster.alive()).isFalse();
    }

    @Test
    void anEmptyPidFileIsAPostmasterWritingIt() throws IOException {
        ownedByPostgres(Files.writeString(dataDir.resolve("postmaster.pid"), ""));

        assertThat(postmaster.status()).contains("starting");
    }

    @Test
    void aPidFileNamingAnotherProgramIsStale() throws IOException {
        // this JVM: alive, but not a postgres process
        ownedByPostgres(Files.writeString(
                dataDir.resolve("postmaster.pid"),
                ProcessHandle.current().pid() + "\n" + dataDir
                        + "\n1700000000\n5432\n/var/run/postgresql\n*\n  1234  5678\nready\n"));

        assertThat(postmaster.status()).isEmpty();
    }

    @Test
    void theFenceGuardStopsFastThenImmediatelyAsTheServersUser() {
        List<String> command = postmaster.fenceCommand();

        assertThat(command).hasSize(3).startsWith("/bin/sh", "-c");
        assertThat(command.get(2))
                .contains(
                        "runuser' '-u' 'postgres'",
                        "'-m' 'fast'",
                        " || ",
                        "'-m' 'immediate'",
                        "'-D' '" + dataDir + "'",
                        "'-t' '5'");
        assertThat(command.get(2).indexOf("fast")).isLessThan(command.get(2).indexOf("immediate"));
    }

    @Test
    void theServerLogTailSaysWhenThereIsNone() {
        assertThat(postmaster.serverLogTail()).isEqualTo("(no server log yet)");
    }

    private static Path ownedByPostgres(Path path) throws IOException {
        UserPrincipal postgres =
                path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(path, postgres);
        return path;
    }
}
