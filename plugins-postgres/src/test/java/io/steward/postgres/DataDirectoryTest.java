package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.DataState;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a data directory holds, as the probe and the actions see it, on directories made by the test (the installed
 * PostgreSQL 15 binaries answer the version; no server runs).
 */
@Tag("root")
class DataDirectoryTest {
    @TempDir
    Path root;

    private Path dataDir;
    private DataDirectory directory;

    @BeforeEach
    void setUp() throws IOException {
        // PostgreSQL's user must traverse the path to its data directory
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        dataDir = root.resolve("data");
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
        directory = new DataDirectory(settings, new CommandRunner(settings.osUser()));
    }

    @Test
    void theBinariesMajorVersionIsReadFromTheirVersionLine() {
        assertThat(DataDirectory.majorVersion("pg_controldata (PostgreSQL) 15.14 (Debian 15.14-1.pgdg120+1)\n"))
                .isEqualTo("15");
        assertThat(DataDirectory.majorVersion("pg_controldata (PostgreSQL) 17beta1"))
                .isEqualTo("17beta1");
    }

    @Test
    void aMissingOrEmptyDirectoryIsEmpty() throws IOException {
        assertThat(directory.inspect().state()).isEqualTo(DataState.EMPTY);
        Files.createDirectory(dataDir);
        assertThat(directory.inspect())
                .isEqualTo(new DataDirectory.Check(DataState.EMPTY, "data directory " + dataDir + " is empty"));
        directory.requireEmpty("clone");
    }

    @Test
    void somethingElseIsInvalidAndNamed() throws IOException {
        Files.writeString(dataDir, "not a directory");
        assertThat(directory.inspect())
                .isEqualTo(new DataDirectory.Check(DataState.INVALID, dataDir + " is not a directory"));
        Files.delete(dataDir);

        ownedByPostgres(Files.createDirectory(dataDir));
        ownedByPostgres(Files.writeString(dataDir.resolve("notes.txt"), "mine"));
        assertThat(directory.inspect().problem()).endsWith("has no PG_VERSION: not a PostgreSQL data directory");
        assertThatThrownBy(() -> directory.requireEmpty("clone"))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("clone: the data directory " + dataDir + " is not empty (INVALID");
    }

    @Test
    void aDataDirectoryOfOtherBinariesIsInvalid() throws IOException {
        ownedByPostgres(Files.createDirectory(dataDir));
        ownedByPostgres(Files.writeString(dataDir.resolve("PG_VERSION"), "14\n"));

        assertThat(directory.inspect().problem())
                .startsWith("data directory is for PostgreSQL 14 but the binaries in")
                .endsWith("are PostgreSQL 15");
    }

    @Test
    void aDataDirectoryNeedsItsControlFile() throws IOException {
        ownedByPostgres(Files.createDirectory(dataDir));
        ownedByPostgres(Files.writeString(dataDir.resolve("PG_VERSION"), "15\n"));
        assertThat(directory.inspect().problem()).isEqualTo(dataDir + " has no global/pg_control");

        ownedByPostgres(Files.createDirectory(dataDir.resolve("global")));
        ownedByPostgres(Files.writeString(dataDir.resolve("global").resolve("pg_control"), "control"));
        assertThat(directory.inspect()).isEqualTo(new DataDirectory.Check(DataState.VALID, ""));
    }

    @Test
    void aFileOfAnotherOwnerIsNotReadThrough() throws IOException {
        Files.createDirectory(dataDir);
        Files.writeString(dataDir.resolve("PG_VERSION"), "15\n");

        assertThat(directory.inspect().state())
                .as("root's directory, not postgres's")
                .isEqualTo(DataState.INVALID);
        assertThat(directory.inspect().problem()).startsWith("cannot inspect " + dataDir);
    }

    private static Path ownedByPostgres(Path path) throws IOException {
        UserPrincipal postgres =
                path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(path, postgres);
        return path;
    }
}
