package io.steward.postgres;

import io.steward.engine.DataState;
import io.steward.engine.EngineStatus;
import io.steward.engine.ReplicaLink;
import io.steward.engine.Role;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Looks at the local server: its data directory, its postmaster, and, when it runs, its role, position and timeline
 * over the kept connection (a primary's streaming replicas, a replica's upstream). Never throws.
 */
final class StatusProbe {
    private final DataDirectory dataDirectory;
    private final Postmaster postmaster;
    private final PostgresConnection connection;
    /** What the last probe read for the operator: set by every probe, whichever collaborator asked for it. */
    private volatile OperatorReading lastReading = OperatorReading.UNKNOWN;

    /**
     * What a probe reads for the operator beside the status ({@code steward status}).
     *
     * @param replayDelay see {@link io.steward.engine.ReplayDelay#replayDelay()}
     * @param pendingRestart whether {@code pg_settings} has a parameter awaiting a restart
     */
    record OperatorReading(Optional<Duration> replayDelay, boolean pendingRestart) {
        static final OperatorReading UNKNOWN = new OperatorReading(Optional.empty(), false);
    }

    /** Of the last probe. */
    OperatorReading lastReading() {
        return lastReading;
    }

    StatusProbe(DataDirectory dataDirectory, Postmaster postmaster, PostgresConnection connection) {
        this.dataDirectory = dataDirectory;
        this.postmaster = postmaster;
        this.connection = connection;
    }

    EngineStatus probe() {
        // what a probe that does not reach the server leaves behind: nothing known
        lastReading = OperatorReading.UNKNOWN;
        DataDirectory.Check data;
        try {
            data = dataDirectory.inspect();
        } catch (RuntimeException e) {
            return EngineStatus.stopped(
                    DataState.INVALID, Optional.of("cannot inspect the data directory: " + e.getMessage()));
        }
        if (data.state() != DataState.VALID) {
            return EngineStatus.stopped(data.state(), Optional.of(data.problem()));
        }
        Optional<String> postmasterStatus = postmaster.status();
        if (postmasterStatus.isEmpty()) {
            return stoppedStatus();
        }
        try {
            return connection.queryRetryingOnce(this::queryStatus);
        } catch (SQLException e) {
            return EngineStatus.stopped(
                    DataState.VALID,
                    Optional.of(notAcceptingConnections(
                            postmasterStatus.get(),
                            () -> dataDirectory
                                    .controlData()
                                    .map(ControlData::clusterState)
                                    .orElse(""),
                            e.getMessage())));
        }
    }

    /**
     * A stopped server; after a clean shutdown its position is where its last checkpoint record starts, so that a
     * switchover can check the candidate has received everything before the lease moves.
     */
    private EngineStatus stoppedStatus() {
        Optional<ControlData> control = dataDirectory.controlData();
        long position = control.filter(ControlData::cleanlyShutDown)
                .map(ControlData::checkpointLocation)
                .orElse(-1L);
        long timeline = control.map(ControlData::timeline).orElse(0L);
        return new EngineStatus(
                Role.STOPPED,
                DataState.VALID,
                position,
                timeline,
                Optional.empty(),
                false,
                List.of(),
                Optional.of("not running"));
    }

    /**
     * Why a running postmaster does not answer, in its own words: starting (or in crash recovery, which the control
     * file tells), shutting down, or the connection's error.
     */
    static String notAcceptingConnections(String postmasterStatus, Supplier<String> clusterState, String error) {
        if (postmasterStatus.equals("starting")) {
            return clusterState.get().equals("in crash recovery") ? "in crash recovery" : "starting";
        }
        if (postmasterStatus.equals("stopping")) {
            return "shutting down";
        }
        return "not accepting connections: " + error;
    }

    private EngineStatus queryStatus(Connection db) throws SQLException {
        try (Statement statement = db.createStatement()) {
            boolean inRecovery;
            boolean pendingRestart;
            try (ResultSet rs = statement.executeQuery(
                    "SELECT pg_is_in_recovery(), (SELECT coalesce(bool_or(pending_restart), false) FROM pg_settings)")) {
                rs.next();
                inRecovery = rs.getBoolean(1);
                pendingRestart = rs.getBoolean(2);
            }
            if (!inRecovery) {
                // the primary is where changes are made: it is behind no one
                lastReading = new OperatorReading(Optional.of(Duration.ZERO), pendingRestart);
                return primaryStatus(statement);
            }
            lastReading = new OperatorReading(replayDelay(statement), pendingRestart);
            return replicaStatus(statement);
        }
    }

    /**
     * How far behind in time this replica is. Measured on the replica: the commit time of the last transaction it
     * replayed is the primary's clock at that commit, so while it has received WAL it has not replayed yet, now minus
     * that time is how old the oldest change it still has to apply is, at most. Once it has replayed all it received
     * while streaming, it is caught up: zero, however long the primary has been idle (now minus the last replayed
     * commit would grow for ever on an idle primary). Not streaming and nothing left to replay, or nothing received by
     * streaming to compare with: it cannot know what it misses, so unknown.
     */
    private static Optional<Duration> replayDelay(Statement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery("""
                SELECT pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() AS caught_up,
                       EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') AS streaming,
                       (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::bigint
                           AS since_last_replayed_commit_millis
                """)) {
            rs.next();
            return delay(
                    Optional.ofNullable(rs.getObject("caught_up", Boolean.class)),
                    rs.getBoolean("streaming"),
                    Optional.ofNullable(rs.getObject("since_last_replayed_commit_millis", Long.class)));
        }
    }

    /**
     * {@link #replayDelay(Statement)}'s rule, pure.
     *
     * @param caughtUp whether it replayed all it received; empty when it has received nothing by streaming since it
     *        started (replaying from the archive, say), and so cannot compare
     */
    static Optional<Duration> delay(
            Optional<Boolean> caughtUp, boolean streaming, Optional<Long> sinceLastReplayedCommitMillis) {
        if (caughtUp.isEmpty()) {
            return Optional.empty();
        }
        if (caughtUp.get()) {
            return streaming ? Optional.of(Duration.ZERO) : Optional.empty();
        }
        // clocks of two machines a little apart: a negative age is no delay
        return sinceLastReplayedCommitMillis.map(millis -> Duration.ofMillis(Math.max(0, millis)));
    }

    private static EngineStatus primaryStatus(Statement statement) throws SQLException {
        long position;
        long timeline;
        try (ResultSet rs = statement.executeQuery(
                "SELECT (pg_current_wal_lsn() - '0/0')::bigint, pg_walfile_name(pg_current_wal_lsn())")) {
            rs.next();
            position = rs.getLong(1);
            timeline = timelineOfWalFile(rs.getString(2));
        }
        List<ReplicaLink> replicas = new ArrayList<>();
        try (ResultSet rs = statement.executeQuery("SELECT application_name, (flush_lsn - '0/0')::bigint, sync_state"
                + " FROM pg_stat_replication WHERE state = 'streaming' OR state = 'catchup'")) {
            while (rs.next()) {
                long flush = rs.getLong(2);
                replicas.add(new ReplicaLink(
                        rs.getString(1),
                        rs.wasNull() ? -1 : flush,
                        Set.of("sync", "quorum").contains(rs.getString(3))));
            }
        }
        return new EngineStatus(
                Role.PRIMARY, DataState.VALID, position, timeline, Optional.empty(), false, replicas, Optional.empty());
    }

    private static EngineStatus replicaStatus(Statement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery("""
                SELECT (pg_last_wal_receive_lsn() - '0/0')::bigint AS received,
                       (pg_last_wal_replay_lsn() - '0/0')::bigint AS replayed,
                       pg_get_wal_replay_pause_state() AS pause_state,
                       r.received_tli, r.status, r.sender_host, r.sender_port,
                       greatest(c.timeline_id, rc.min_recovery_end_timeline) AS replay_tli,
                       current_setting('primary_conninfo') <> '' AS has_primary
                FROM pg_control_checkpoint() c
                CROSS JOIN pg_control_recovery() rc
                LEFT JOIN pg_stat_wal_receiver r ON true
                """)) {
            rs.next();
            long received = rs.getLong("received");
            if (rs.wasNull()) {
                received = -1;
            }
            long replayed = rs.getLong("replayed");
            if (rs.wasNull()) {
                replayed = -1;
            }
            boolean paused = !"not paused".equals(rs.getString("pause_state"));
            long timeline = rs.getLong("received_tli");
            if (rs.wasNull() || timeline == 0) {
                timeline = rs.getLong("replay_tli");
            }
            String receiverStatus = rs.getString("status");
            boolean hasPrimary = rs.getBoolean("has_primary");
            String senderHost = rs.getString("sender_host");
            int senderPort = rs.getInt("sender_port");
            if (!"streaming".equals(receiverStatus) && replayed > 0) {
                timeline = timelineOfSegmentHolding(statement.getConnection(), replayed - 1)
                        .orElse(timeline);
            }
            Optional<String> upstream =
                    "streaming".equals(receiverStatus) ? Optional.of(senderHost + ":" + senderPort) : Optional.empty();
            Optional<String> problem = upstream.isEmpty() && hasPrimary
                    ? Optional.of("not streaming from the primary (wal receiver: "
                            + (receiverStatus == null ? "not running" : receiverStatus) + ")")
                    : Optional.empty();
            return new EngineStatus(
                    Role.REPLICA,
                    DataState.VALID,
                    Math.max(received, replayed),
                    timeline,
                    upstream,
                    paused,
                    List.of(),
                    problem);
        }
    }

    /**
     * The timeline a replica replays when no WAL receiver tells it: that of the newest timeline's WAL segment
     * holding the position. The control file's timelines lag until the next restartpoint.
     */
    private static Optional<Long> timelineOfSegmentHolding(Connection db, long position) throws SQLException {
        long segmentSize;
        try (Statement statement = db.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'")) {
            rs.next();
            segmentSize = rs.getLong(1);
        }
        try (PreparedStatement query = db.prepareStatement(
                "SELECT max(substr(name, 1, 8)) FROM pg_ls_waldir() WHERE length(name) = 24 AND substr(name, 9) = ?")) {
            query.setString(1, segmentNameSuffix(position, segmentSize));
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                String timeline = rs.getString(1);
                return timeline == null ? Optional.empty() : Optional.of(Long.parseLong(timeline, 16));
            }
        }
    }

    /**
     * The last 16 hex digits of the name of the WAL segment holding {@code position} (the first 8 name its timeline):
     * the log id, then the segment within it.
     */
    static String segmentNameSuffix(long position, long segmentSize) {
        long segment = position / segmentSize;
        long segmentsPerLogId = 0x1_0000_0000L / segmentSize;
        return String.format("%08X%08X", segment / segmentsPerLogId, segment % segmentsPerLogId);
    }

    /** A WAL file name starts with the timeline as 8 hex digits. */
    static long timelineOfWalFile(String walFileName) {
        return Long.parseLong(walFileName.substring(0, 8), 16);
    }
}
