package io.steward.postgres;

import io.steward.engine.ArchiveStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the server's WAL archiving is doing: the {@code .ready} files waiting in pg_wal/archive_status, and what
 * {@code pg_stat_archiver} says when the probe's connection is open. Whether it archives at all is the server's
 * {@code archive_mode} when it answers, else the one Steward writes.
 */
final class ArchiverStatus {
    private static final Logger log = LoggerFactory.getLogger(ArchiverStatus.class);

    private final PostgresSettings settings;
    private final PostgresConnection connection;

    ArchiverStatus(PostgresSettings settings, PostgresConnection connection) {
        this.settings = settings;
        this.connection = connection;
    }

    /** Whether the configuration makes the server archive: archive_mode as Steward writes it, on or always. */
    static boolean archives(Map<String, String> parameters) {
        return Optional.ofNullable(parameters.get(ServerParameters.ARCHIVE_MODE))
                .flatMap(ArchiveMode::parse)
                .filter(ArchiveMode::archives)
                .isPresent();
    }

    /** Empty when the server does not archive; never throws. */
    Optional<ArchiveStatus> read() {
        // Only on the connection the probe keeps open: a health check must not wait for a server that is down. The
        // server's own archive_mode, when it answers: ALTER SYSTEM's postgresql.auto.conf may have set another.
        Optional<Archiver> server = connection.queryIfOpen(ArchiverStatus::archiver);
        if (!server.map(archiver -> archiver.mode().archives()).orElseGet(() -> archives(settings.parameters()))) {
            return Optional.empty();
        }
        int ready = 0;
        Optional<Instant> oldest = Optional.empty();
        Path statusDir = settings.dataDir().resolve("pg_wal").resolve("archive_status");
        try (Stream<Path> files = Files.exists(statusDir) ? Files.list(statusDir) : Stream.empty()) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".ready"))
                    .toList()) {
                ready++;
                Instant modified = Files.getLastModifiedTime(file).toInstant();
                oldest = oldest.filter(o -> o.isBefore(modified)).or(() -> Optional.of(modified));
            }
        } catch (IOException e) {
            log.debug("cannot read {}: {}", statusDir, e.getMessage());
        }
        int readyCount = ready;
        Optional<Duration> oldestAge = oldest.map(o -> Duration.between(o, Instant.now()));
        return Optional.of(server.map(archiver -> new ArchiveStatus(
                        readyCount,
                        oldestAge,
                        archiver.lastArchived(),
                        archiver.lastArchivedAt(),
                        archiver.failures(),
                        archiver.lastFailed()))
                .orElseGet(() -> new ArchiveStatus(
                        readyCount, oldestAge, Optional.empty(), Optional.empty(), 0, Optional.empty())));
    }

    /** What the server says of its archiving: its archive_mode and pg_stat_archiver. */
    private record Archiver(
            ArchiveMode mode,
            Optional<String> lastArchived,
            Optional<Instant> lastArchivedAt,
            long failures,
            Optional<String> lastFailed) {}

    private static Archiver archiver(Connection db) throws SQLException {
        try (Statement statement = db.createStatement();
                ResultSet rs = statement.executeQuery("SELECT current_setting('archive_mode'), last_archived_wal, "
                        + "last_archived_time, failed_count, last_failed_wal FROM pg_stat_archiver")) {
            rs.next();
            String mode = rs.getString(1);
            Timestamp archivedAt = rs.getTimestamp(3);
            return new Archiver(
                    ArchiveMode.parse(mode).orElseThrow(() -> new SQLException("unknown archive_mode " + mode)),
                    Optional.ofNullable(rs.getString(2)),
                    Optional.ofNullable(archivedAt).map(Timestamp::toInstant),
                    rs.getLong(4),
                    Optional.ofNullable(rs.getString(5)));
        }
    }
}
