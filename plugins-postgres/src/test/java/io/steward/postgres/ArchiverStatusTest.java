package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.steward.engine.ArchiveStatus;
import io.steward.engine.EngineContext;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive's backlog as the files in pg_wal/archive_status show it, with no server to ask. */
class ArchiverStatusTest {

    private static ArchiverStatus archiver(Path dataDir, String archiveMode) {
        return archiver(dataDir, TextNode.valueOf(archiveMode));
    }

    private static ArchiverStatus archiver(Path dataDir, JsonNode archiveMode) {
        ObjectNode section = new ObjectMapper()
                .createObjectNode()
                .put("data_dir", dataDir.toString())
                .put("superuser_password", "s")
                .put("replication_password", "r");
        section.putObject("parameters").set("archive_mode", archiveMode);
        PostgresSettings settings = PostgresSettings.read(new EngineContext(
                "n1",
                "127.0.0.1",
                new Settings("postgresql", section, new ConfigProblems()),
                dataDir,
                new MetricRegistry()));
        return new ArchiverStatus(settings, new PostgresConnection(settings));
    }

    @Test
    void onlyAServerConfiguredToArchiveHasAnArchiveStatus(@TempDir Path dataDir) {
        assertThat(ArchiverStatus.archives(Map.of("archive_mode", "ON"))).isTrue();
        assertThat(ArchiverStatus.archives(Map.of("archive_mode", "always"))).isTrue();
        assertThat(ArchiverStatus.archives(Map.of())).isFalse();
        assertThat(archiver(dataDir, "off").read()).isEmpty();
    }

    /** YAML 1.1 reads an unquoted {@code archive_mode: on} as the boolean true, which PostgreSQL takes as on. */
    @Test
    void archiveModeGivenAsAYamlBooleanArchives(@TempDir Path dataDir) {
        assertThat(archiver(dataDir, BooleanNode.TRUE).read()).isPresent();
        assertThat(archiver(dataDir, BooleanNode.FALSE).read()).isEmpty();
        assertThat(archiver(dataDir, "yes").read()).isPresent();
    }

    @Test
    void readyFilesAreTheBacklogAndTheOldestSaysHowLongItWaits(@TempDir Path dataDir) throws IOException {
        Path status = Files.createDirectories(dataDir.resolve("pg_wal").resolve("archive_status"));
        Files.writeString(status.resolve("000000010000000000000001.ready"), "");
        Path oldest = Files.writeString(status.resolve("000000010000000000000002.ready"), "");
        Files.writeString(status.resolve("000000010000000000000000.done"), "");
        Files.setLastModifiedTime(oldest, FileTime.from(Instant.now().minus(Duration.ofMinutes(10))));

        ArchiveStatus read = archiver(dataDir, "on").read().orElseThrow();

        assertThat(read.ready()).isEqualTo(2);
        assertThat(read.oldestReadyAge())
                .hasValueSatisfying(age -> assertThat(age).isGreaterThan(Duration.ofMinutes(9)));
        assertThat(read.lastArchived()).as("no connection open: the files only").isEmpty();
        assertThat(read.failures()).isZero();
    }

    @Test
    void noArchiveStatusDirectoryIsNoBacklog(@TempDir Path dataDir) {
        assertThat(archiver(dataDir, "on").read())
                .contains(new ArchiveStatus(
                        0, Optional.empty(), Optional.empty(), Optional.empty(), 0, Optional.empty()));
    }
}
