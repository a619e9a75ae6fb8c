package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.EngineContext;
import io.steward.engine.EngineException;
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
        postmaster = postmaster(root.resolve("sockets"));
    }

    private Postmaster postmaster(Path socketDir) {
        ObjectNode section = new ObjectMapper()
                .createObjectNode()
                .put("data_dir", dataDir.toString())
                .put("socket_dir", socketDir.toString())
                .put("superuser_password", "s")
                .put("replication_password", "r");
        PostgresSettings settings = PostgresSettings.read(new EngineContext(
                "n1",
                "127.0.0.1",
                new Settings("postgresql", section, new ConfigProblems()),
                root.resolve("state"),
                new MetricRegistry()));
        CommandRunner runner = new CommandRunner(settings.osUser());
        return new Postmaster(settings, runner, new DataDirectory(settings, runner), root.resolve("server.log"));
    }

    @Test
    void aMissingSocketDirectoryIsMadeTheServerUsers() throws IOException {
        Path sockets = root.resolve("run").resolve("sockets");

        // no server can start in an empty data directory: what matters is what was made before
        assertThatThrownBy(() -> postmaster(sockets).start("test")).isInstanceOf(EngineException.class);

        assertThat(Files.getOwner(sockets).getName()).isEqualTo("postgres");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sockets)))
                .isEqualTo("rwxr-xr-x");
        assertThat(Files.getOwner(sockets.getParent()).getName()).isEqualTo("root");
    }

    @Test
    void aSocketDirectoryOfAnotherUserIsRefusedBeforeTheServerStarts() throws IOException {
        Path sockets = Files.createDirectory(root.resolve("sockets-of-nobody"));
        Files.setOwner(
                sockets, sockets.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));

        assertThatThrownBy(() -> postmaster(sockets).start("start as primary"))
                .isInstanceOf(EngineException.class)
                .hasMessage("start as primary: refusing to start PostgreSQL with its socket in " + sockets + ": "
                        + sockets + " belongs to user id " + Files.getAttribute(sockets, "unix:uid")
                        + ", not to postgres or root; postgresql.socket_dir must be a directory of root or of postgres "
                        + "(give it to postgres, or name another directory)");
        assertThat(Files.getOwner(sockets).getName()).isEqualTo("nobody");
        assertThat(root.resolve("server.log")).doesNotExist();
    }

    /** The server's user can replace an entry of its own directory by a link: root follows none of its making. */
    @Test
    void aSocketDirectoryReachedThroughTheServerUsersLinkIsRefused() throws IOException {
        Path rootsOwn = Files.createDirectory(root.resolve("roots-own"));
        Path postgresOwn = ownedByPostgres(Files.createDirectory(root.resolve("postgres-own")));
        Path sockets = Files.createSymbolicLink(postgresOwn.resolve("sockets"), rootsOwn);

        assertThatThrownBy(() -> postmaster(sockets).start("start as replica"))
                .isInstanceOf(EngineException.class)
                .hasMessageStartingWith("start as replica: refusing to start PostgreSQL with its socket in " + sockets)
                .hasMessageContaining("postgresql.socket_dir must be a directory of root or of postgres");
        assertThat(Files.getOwner(rootsOwn).getName()).isEqualTo("root");
    }

    /**
     * A SIGKILLed postmaster may stay a zombie for a while, which PostgreSQL takes for a live server; when its data
     * directory was lost and cloned afresh there is no postmaster.pid to name it, only the socket's lock file.
     */
    @Test
    void aSocketLockFileOfADeadPostmasterIsRemovedBeforeTheServerStarts() throws Exception {
        Path sockets = ownedByPostgres(Files.createDirectory(root.resolve("sockets")));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path lock = ownedByPostgres(
                Files.writeString(sockets.resolve(".s.PGSQL.5432.lock"), gone.pid() + "\n" + dataDir + "\n"));

        // no server can start in an empty data directory: what matters is what was cleared before
        assertThatThrownBy(() -> postmaster.start("test")).isInstanceOf(EngineException.class);

        assertThat(lock).doesNotExist();
    }

    @Test
    void aSocketLockFileOfALiveProcessIsLeftAlone() throws Exception {
        Path sockets = ownedByPostgres(Files.createDirectory(root.resolve("sockets")));
        Path lock = ownedByPostgres(Files.writeString(
                sockets.resolve(".s.PGSQL.5432.lock"), ProcessHandle.current().pid() + "\n" + dataDir + "\n"));

        assertThatThrownBy(() -> postmaster.start("test")).isInstanceOf(EngineException.class);

        assertThat(lock).exists();
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
