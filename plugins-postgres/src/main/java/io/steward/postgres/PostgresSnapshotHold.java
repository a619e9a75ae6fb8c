package io.steward.postgres;

import io.steward.engine.EngineException;
import io.steward.engine.SnapshotHold;
import io.steward.engine.SnapshotMarks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A non-exclusive base backup around a volume snapshot: {@code pg_backup_start} when the hold begins, and
 * {@code pg_backup_stop} on the same session when it is released. PostgreSQL ties the backup to the session, so
 * closing the connection without releasing abandons the backup and leaves the server as it was.
 */
final class PostgresSnapshotHold implements SnapshotHold {
    private static final Logger log = LoggerFactory.getLogger(PostgresSnapshotHold.class);
    private static final Pattern START_TIMELINE = Pattern.compile("^START TIMELINE: (\\d+)$", Pattern.MULTILINE);

    private final Connection session;
    private final String label;
    private final long startPosition;
    private final long timeline;
    private boolean released;

    private PostgresSnapshotHold(Connection session, String label, long startPosition, long timeline) {
        this.session = session;
        this.label = label;
        this.startPosition = startPosition;
        this.timeline = timeline;
    }

    /** Starts the backup on {@code session}, which the hold owns from now on. */
    static PostgresSnapshotHold begin(Connection session, String label) {
        try (PreparedStatement start = session.prepareStatement(
                "SELECT (pg_backup_start(?, true) - '0/0')::bigint, (SELECT timeline_id FROM pg_control_checkpoint())")) {
            start.setString(1, label);
            try (ResultSet rs = start.executeQuery()) {
                rs.next();
                PostgresSnapshotHold hold = new PostgresSnapshotHold(session, label, rs.getLong(1), rs.getLong(2));
                log.info(
                        "backup {} started at {} on timeline {}", label, Lsn.format(hold.startPosition), hold.timeline);
                return hold;
            }
        } catch (SQLException e) {
            closeQuietly(session);
            throw new EngineException("pg_backup_start for " + label + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public long startPosition() {
        return startPosition;
    }

    @Override
    public long timeline() {
        return timeline;
    }

    @Override
    public SnapshotMarks release() {
        if (released) {
            throw new IllegalStateException("backup " + label + " was already released");
        }
        // waits until the WAL the backup needs is archived, so that the set is restorable once this returns
        try (Statement stop = session.createStatement();
                ResultSet rs = stop.executeQuery(
                        "SELECT (lsn - '0/0')::bigint, labelfile, spcmapfile FROM pg_backup_stop(true)")) {
            rs.next();
            long end = rs.getLong(1);
            String labelFile = rs.getString(2);
            String tablespaceMap = rs.getString(3);
            released = true;
            Map<String, String> files = new LinkedHashMap<>();
            files.put("backup_label", labelFile);
            if (tablespaceMap != null && !tablespaceMap.isEmpty()) {
                files.put("tablespace_map", tablespaceMap);
            }
            Matcher started = START_TIMELINE.matcher(labelFile);
            long backupTimeline = started.find() ? Long.parseLong(started.group(1)) : timeline;
            log.info("backup {} stopped: consistent at {} on timeline {}", label, Lsn.format(end), backupTimeline);
            return new SnapshotMarks(startPosition, end, backupTimeline, files);
        } catch (SQLException e) {
            throw new EngineException("pg_backup_stop for " + label + " failed: " + e.getMessage(), e);
        } finally {
            closeQuietly(session);
        }
    }

    @Override
    public void close() {
        if (!released) {
            log.info("backup {} abandoned", label);
        }
        closeQuietly(session);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // the session is gone either way, and with it any backup it had started
        }
    }
}
