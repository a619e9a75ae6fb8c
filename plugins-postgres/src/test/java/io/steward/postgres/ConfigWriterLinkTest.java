package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.Endpoint;
import io.steward.engine.EngineContext;
import io.steward.engine.EngineException;
import io.steward.engine.Peer;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every file Steward rewrites in a data directory, replaced by PostgreSQL's user with a link to a root-only file:
 * the agent (root) refuses with the file's name, and copies nothing of the root-only file into the data directory.
 */
@Timeout(30)
@Tag("root")
class ConfigWriterLinkTest {
    private Path root;
    private Path dataDir;
    private Path secret;
    private String marker;
    private ConfigWriter writer;

    @BeforeEach
    void dataDirectory() throws IOException {
        root = Files.createTempDirectory("steward-links-");
        dataDir = Files.createDirectory(root.resolve("data"));
        marker = "ROOT-ONLY-" + UUID.randomUUID();
        secret = Files.writeString(root.resolve("secret"), marker + "\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(dataDir.resolve("postgresql.conf"), "shared_buffers = 128MB\n");
        UserPrincipal postgres =
                dataDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(dataDir, postgres);
        Files.setOwner(dataDir.resolve("postgresql.conf"), postgres);
        ObjectNode section = new ObjectMapper()
                .createObjectNode()
                .put("data_dir", dataDir.toString())
                .put("superuser_password", "s")
                .put("replication_password", "r");
        writer = new ConfigWriter(
                PostgresSettings.read(new EngineContext(
                        "db-2",
                        "10.0.0.2",
                        new Settings("postgresql", section, new ConfigProblems()),
                        root,
                        new MetricRegistry())),
                "db-2");
    }

    @AfterEach
    void remove() throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(java.util.Collections.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "postgresql.conf",
                "pg_hba.conf",
                "steward.conf",
                "steward.pgpass",
                "standby.signal",
                "postgresql.auto.conf",
                "backup_label",
                "tablespace_map",
                "recovery.signal"
            })
    void aFileReplacedByALinkToARootOnlyFileIsRefusedByName(String name) throws IOException {
        Files.deleteIfExists(dataDir.resolve(name));
        Path link = Files.createSymbolicLink(dataDir.resolve(name), secret);
        // the link as PostgreSQL's user would leave it
        Files.getFileAttributeView(
                        link,
                        java.nio.file.attribute.PosixFileAttributeView.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS)
                .setOwner(Files.getOwner(dataDir));

        assertThatThrownBy(() -> rewrite(name))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining(dataDir.resolve(name) + " is a symbolic link");

        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(secret)).isEqualTo(marker + "\n");
        assertThat(Files.getOwner(secret).getName()).isEqualTo("root");
        try (Stream<Path> files = Files.list(dataDir)) {
            for (Path file : files.filter(file -> !Files.isSymbolicLink(file)).toList()) {
                assertThat(Files.readString(file)).as(file.toString()).doesNotContain(marker);
            }
        }
    }

    /** What the agent does that writes (or reads and rewrites) {@code name}. */
    private void rewrite(String name) {
        Optional<Peer> primary = Optional.of(new Peer("db-1", new Endpoint("10.0.0.1", 5432)));
        switch (name) {
            case "standby.signal" -> writer.markStandby(true);
            case "postgresql.auto.conf" -> writer.dropCopiedSynchronousStandbys();
            case "backup_label", "tablespace_map" -> writer.writeBackupFiles(Map.of(name, "from pg_backup_stop\n"));
            case "recovery.signal" ->
                writer.prepareArchiveRecovery(
                        Map.of("backup_label", "label\n"), Optional.of(Instant.parse("2026-01-01T00:00:00Z")));
            default -> writer.writeNodeConfiguration(primary);
        }
    }
}
