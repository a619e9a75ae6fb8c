package io.steward.postgres;

import io.steward.engine.ArchiveStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
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
 * {@code pg_stat_archiver} says when the probe's connection is open.
 */
final class ArchiverStatus {
    private static final Logger log = LoggerFactory.getLogger(ArchiverStatus.class);

    private final PostgresSettings settings;
    private final PostgresConnection connection;

    ArchiverStatus(PostgresSettings settings, PostgresConnection connection) {
        this.settings = settings;
        this.connection = connection;
    }

    /** Whether the server is configured to archive ({@code archive_mode} on or always). */
    static boolean archives(Map<String, String> parameters) {
        String mode = parameters.getOrDefault("archive_mode", "off");
        return "on".equalsIgnoreCase(mode) || "always".equalsIgnoreCase(mode);
    }

    /** Empty when the server does not archive; never throws. */
    Optional<ArchiveStatus> read() {
        if (!archives(settings.parameters())) {
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
        ArchiveStatus filesOnly =
                new ArchiveStatus(ready, oldestAge, Optional.empty(), Optional.empty(), 0, Optional.empty());
        // only on the connection the probe keeps open: a health check must not wait for a server that is down
        return Optional.of(connection
                .queryIfOpen(db -> {
                    try (Statement statement = db.createStatement();
                            ResultSet rs = statement.executeQuery(
                                    "SELECT last_archived_wal, last_archived_time, failed_count, "
                                            + "last_failed_wal FROM pg_stat_archiver")) {
                        rs.next();
                        Timestamp archivedAt = rs.getTimestamp(2);
                        return new ArchiveStatus(
                                readyCount,
                                oldestAge,
                                Optional.ofNullable(rs.getString(1)),
                                Optional.ofNullable(archivedAt).map(Timestamp::toInstant),
                                rs.getLong(3),
                                Optional.ofNullable(rs.getString(4)));
                    }
                })
                .orElse(filesOnly));
    }
}
