package io.steward.postgres;

import io.steward.engine.ArchiveStatus;
import io.steward.engine.Archiving;
import io.steward.engine.DataState;
import io.steward.engine.Endpoint;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.LeaseElected;
import io.steward.engine.Peer;
import io.steward.engine.ReplicaLink;
import io.steward.engine.ReplicationSlots;
import io.steward.engine.RewindFailedException;
import io.steward.engine.Role;
import io.steward.engine.SnapshotHold;
import io.steward.engine.SnapshotRecovery;
import io.steward.engine.SynchronousStandbys;
import io.steward.engine.VolumeSnapshots;
import io.steward.engine.support.CommandRunner;
import io.steward.engine.support.DataDirectories;
import io.steward.engine.support.ServerProcesses;
import io.steward.files.FileOwner;
import io.steward.files.FileStat;
import io.steward.files.HeldDirectory;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * PostgreSQL 15 with physical streaming replication: one primary, replicas streaming from it through replication
 * slots, pg_rewind to bring a deposed primary back.
 */
public final class PostgresEngine implements Engine, LeaseElected, ReplicationSlots, SynchronousStandbys,
        VolumeSnapshots, SnapshotRecovery, Archiving {
    private static final Logger log = LoggerFactory.getLogger(PostgresEngine.class);

    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(5);
    /** pg_basebackup and pg_rewind copy the database: allow for a large one. */
    private static final Duration COPY_TIMEOUT = Duration.ofHours(12);
    /** Covers crash recovery after an unclean stop, which pg_ctl start -w waits for. */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration FENCE_STEP_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration QUICK_COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PROMOTE_TIMEOUT = Duration.ofSeconds(60);
    /** A killed postmaster's children take a moment to notice and release shared memory. */
    private static final Duration SHARED_MEMORY_RELEASE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ORPHAN_EXIT_TIMEOUT = Duration.ofSeconds(5);
    /** pg_backup_stop waits for the archive; a stuck archive must fail the snapshot set, not hang it. */
    private static final Duration BACKUP_STOP_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofHours(24);
    private static final Duration RECOVERY_REPORT_INTERVAL = Duration.ofSeconds(10);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final Executor DIRECT_EXECUTOR = Runnable::run;
    private static final String POSTMASTER_PID = "postmaster.pid";
    private final EngineContext context;
    private final PostgresSettings settings;
    private final CommandRunner runner;
    private final ConfigWriter config;
    private final Path serverLog;
    private final Path slotRegistry;
    private final Object connectionLock = new Object();
    private Connection connection;
    private String binariesMajorVersion;

    PostgresEngine(EngineContext context, PostgresSettings settings) {
        this.context = context;
        this.settings = settings;
        this.runner = new CommandRunner(settings.osUser());
        this.config = new ConfigWriter(settings, context.memberName());
        this.serverLog = context.stateDir().resolve("postgresql.log");
        this.slotRegistry = context.stateDir().resolve("postgresql-replication-slots");
    }

    // ---------------------------------------------------------------- snapshots

    @Override
    public Optional<ArchiveStatus> archiveStatus() {
        if (!"on".equalsIgnoreCase(settings.parameters().getOrDefault("archive_mode", "off"))
                && !"always".equalsIgnoreCase(settings.parameters().getOrDefault("archive_mode", "off"))) {
            return Optional.empty();
        }
        int ready = 0;
        Optional<Instant> oldest = Optional.empty();
        Path statusDir = settings.dataDir().resolve("pg_wal").resolve("archive_status");
        try (Stream<Path> files = Files.exists(statusDir) ? Files.list(statusDir) : Stream.empty()) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".ready")).toList()) {
                ready++;
                Instant modified = Files.getLastModifiedTime(file).toInstant();
                oldest = oldest.filter(o -> o.isBefore(modified)).or(() -> Optional.of(modified));
            }
        } catch (IOException e) {
            log.debug("cannot read {}: {}", statusDir, e.getMessage());
        }
        Optional<Duration> oldestAge = oldest.map(o -> Duration.between(o, Instant.now()));
        ArchiveStatus filesOnly = new ArchiveStatus(ready, oldestAge, Optional.empty(), Optional.empty(), 0, Optional.empty());
        synchronized (connectionLock) {
            // only on the connection the probe keeps open: a health check must not wait for a server that is down
            if (connection == null) {
                return Optional.of(filesOnly);
            }
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SELECT last_archived_wal, last_archived_time, failed_count, "
                         + "last_failed_wal FROM pg_stat_archiver")) {
                rs.next();
                Timestamp archivedAt = rs.getTimestamp(2);
                return Optional.of(new ArchiveStatus(ready, oldestAge, Optional.ofNullable(rs.getString(1)),
                        Optional.ofNullable(archivedAt).map(Timestamp::toInstant), rs.getLong(3),
                        Optional.ofNullable(rs.getString(4))));
            } catch (SQLException e) {
                return Optional.of(filesOnly);
            }
        }
    }

    @Override
    public String serverUser() {
        return settings.osUser();
    }

    @Override
    public List<Path> dataPaths() {
        List<Path> paths = new ArrayList<>();
        try {
            Path dataDir = settings.dataDir().toRealPath();
            paths.add(dataDir);
            Path wal = dataDir.resolve("pg_wal");
            if (Files.isSymbolicLink(wal)) {
                paths.add(wal.toRealPath());
            }
            Path tablespaces = dataDir.resolve("pg_tblspc");
            if (Files.isDirectory(tablespaces)) {
                try (Stream<Path> links = Files.list(tablespaces)) {
                    for (Path link : links.sorted().toList()) {
                        paths.add(link.toRealPath());
                    }
                }
            }
        } catch (IOException e) {
            throw new EngineException("cannot resolve the data directory " + settings.dataDir() + " and its tablespaces: "
                    + e.getMessage(), e);
        }
        return List.copyOf(paths);
    }

    @Override
    public SnapshotHold holdForSnapshot(String label) {
        try {
            return PostgresSnapshotHold.begin(connect(settings.localConnectHost(), settings.port(), BACKUP_STOP_TIMEOUT), label);
        } catch (SQLException e) {
            throw new EngineException("cannot connect to start backup " + label + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void recoverFromSnapshot(Map<String, String> files, Optional<Instant> targetTime, Consumer<String> progress) {
        String step = "recover from snapshot set" + targetTime.map(t -> " to " + t).orElse(" to the end of the archive");
        if (!files.containsKey("backup_label")) {
            throw new EngineException(step + ": the set has no backup_label; it was not taken with pg_backup_start");
        }
        if (!settings.parameters().containsKey("restore_command")) {
            throw new EngineException(step + ": postgresql.parameters.restore_command is not set; recovery needs it to "
                    + "read the archive (e.g. steward wal-fetch %f \"%p\")");
        }
        forgetSnapshottedPostmaster(step);
        EngineStatus status = probe();
        if (status.running()) {
            throw new EngineException(step + ": a server is running on " + settings.dataDir());
        }
        requireValidDataDirectory(step, status);
        config.prepareArchiveRecovery(files, targetTime);
        progress.accept("starting archive recovery");
        startServer(step);
        long deadline = System.nanoTime() + RECOVERY_TIMEOUT.toNanos();
        long nextReport = 0;
        while (true) {
            EngineStatus now = probe();
            if (now.role() == Role.PRIMARY) {
                break;
            }
            if (!now.running() && !postmasterAlive()) {
                throw new EngineException(step + ": the server stopped during recovery: " + serverLogTail());
            }
            if (System.nanoTime() > deadline) {
                throw new EngineException(step + ": still recovering after " + RECOVERY_TIMEOUT.toHours() + " h");
            }
            if (System.nanoTime() > nextReport && now.position() >= 0) {
                progress.accept("replayed up to " + Lsn.format(now.position()) + " on timeline " + now.timeline());
                nextReport = System.nanoTime() + RECOVERY_REPORT_INTERVAL.toNanos();
            }
            sleep(POLL_INTERVAL.multipliedBy(5));
        }
        config.writeNodeConfiguration(Optional.empty());
        reloadConfiguration(step);
        EngineStatus promoted = probe();
        progress.accept("recovered and promoted at " + Lsn.format(promoted.position()) + " on timeline " + promoted.timeline());
    }

    @Override
    public void startReplicaFromSnapshot(Map<String, String> files, Peer primary) {
        String step = "start a replica of " + primary.name() + " from a snapshot set";
        if (!files.containsKey("backup_label")) {
            throw new EngineException(step + ": the set has no backup_label; it was not taken with pg_backup_start");
        }
        forgetSnapshottedPostmaster(step);
        EngineStatus status = probe();
        if (status.running()) {
            throw new EngineException(step + ": a server is running on " + settings.dataDir());
        }
        requireValidDataDirectory(step, status);
        config.writeBackupFiles(files);
        log.info("Seeding {} from a snapshot set; it catches up from the archive and {}", settings.dataDir(), primary);
        startReplicaServer(step, Optional.of(primary));
    }

    /**
     * A snapshot of a running server holds its postmaster.pid, naming a process of the machine it was taken on.
     * Unless that process really is a server on this data directory, the file is stale here and is removed.
     */
    private void forgetSnapshottedPostmaster(String step) {
        try (HeldDirectory dataDir = dataDirectory()) {
            Optional<Long> pid = firstLine(dataDir, POSTMASTER_PID).filter(line -> line.matches("\\d+")).map(Long::parseLong);
            if (pid.isPresent() && running(pid.get())
                    && workingDirectory(pid.get()).filter(cwd -> cwd.equals(settings.dataDir().normalize())).isPresent()) {
                throw new EngineException(step + ": postmaster " + pid.get() + " is running on " + settings.dataDir());
            }
            dataDir.delete(POSTMASTER_PID);
            dataDir.delete("postmaster.opts");
        } catch (IOException e) {
            throw new EngineException(step + ": cannot remove the snapshot's postmaster.pid: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- probe

    @Override
    public EngineStatus probe() {
        DataCheck data;
        try {
            data = inspectDataDirectory();
        } catch (RuntimeException e) {
            return EngineStatus.stopped(DataState.INVALID, Optional.of("cannot inspect the data directory: " + e.getMessage()));
        }
        if (data.state() != DataState.VALID) {
            return EngineStatus.stopped(data.state(), Optional.of(data.problem()));
        }
        Optional<String> postmasterStatus = postmasterStatus();
        if (postmasterStatus.isEmpty()) {
            return stoppedStatus();
        }
        synchronized (connectionLock) {
            boolean reusingConnection = connection != null;
            try {
                return queryStatus();
            } catch (SQLException first) {
                closeConnection();
                if (!reusingConnection) {
                    return EngineStatus.stopped(DataState.VALID,
                            Optional.of(notAcceptingConnections(postmasterStatus.get(), first)));
                }
            }
            // The kept connection may have died with an earlier server run: one fresh attempt.
            try {
                return queryStatus();
            } catch (SQLException second) {
                closeConnection();
                return EngineStatus.stopped(DataState.VALID,
                        Optional.of(notAcceptingConnections(postmasterStatus.get(), second)));
            }
        }
    }

    /**
     * A stopped server; after a clean shutdown its position is where its last checkpoint record starts, so that a
     * switchover can check the candidate has received everything before the lease moves.
     */
    private EngineStatus stoppedStatus() {
        Optional<ControlData> control = controlData();
        long position = control.filter(ControlData::cleanlyShutDown).map(ControlData::checkpointLocation).orElse(-1L);
        long timeline = control.map(ControlData::timeline).orElse(0L);
        return new EngineStatus(Role.STOPPED, DataState.VALID, position, timeline, Optional.empty(), false, List.of(),
                Optional.of("not running"));
    }

    private String notAcceptingConnections(String postmasterStatus, SQLException error) {
        if (postmasterStatus.equals("starting")) {
            String state = controlData().map(ControlData::clusterState).orElse("");
            return state.equals("in crash recovery") ? "in crash recovery" : "starting";
        }
        if (postmasterStatus.equals("stopping")) {
            return "shutting down";
        }
        return "not accepting connections: " + error.getMessage();
    }

    private EngineStatus queryStatus() throws SQLException {
        Connection db = connection();
        try (Statement statement = db.createStatement()) {
            boolean inRecovery;
            try (ResultSet rs = statement.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                inRecovery = rs.getBoolean(1);
            }
            return inRecovery ? replicaStatus(statement) : primaryStatus(statement);
        }
    }

    private EngineStatus primaryStatus(Statement statement) throws SQLException {
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
                replicas.add(new ReplicaLink(rs.getString(1), rs.wasNull() ? -1 : flush,
                        Set.of("sync", "quorum").contains(rs.getString(3))));
            }
        }
        return new EngineStatus(Role.PRIMARY, DataState.VALID, position, timeline, Optional.empty(), false,
                replicas, Optional.empty());
    }

    private EngineStatus replicaStatus(Statement statement) throws SQLException {
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
                timeline = timelineOfSegmentHolding(statement.getConnection(), replayed - 1).orElse(timeline);
            }
            Optional<String> upstream = "streaming".equals(receiverStatus)
                    ? Optional.of(senderHost + ":" + senderPort)
                    : Optional.empty();
            Optional<String> problem = upstream.isEmpty() && hasPrimary
                    ? Optional.of("not streaming from the primary (wal receiver: "
                    + (receiverStatus == null ? "not running" : receiverStatus) + ")")
                    : Optional.empty();
            return new EngineStatus(Role.REPLICA, DataState.VALID, Math.max(received, replayed), timeline,
                    upstream, paused, List.of(), problem);
        }
    }

    /**
     * The timeline a replica replays when no WAL receiver tells it: that of the newest timeline's WAL segment
     * holding the position. The control file's timelines lag until the next restartpoint.
     */
    private static Optional<Long> timelineOfSegmentHolding(Connection db, long position) throws SQLException {
        long segmentSize;
        try (Statement statement = db.createStatement();
             ResultSet rs = statement.executeQuery("SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'")) {
            rs.next();
            segmentSize = rs.getLong(1);
        }
        long segment = position / segmentSize;
        long segmentsPerLogId = 0x1_0000_0000L / segmentSize;
        String segmentSuffix = String.format("%08X%08X", segment / segmentsPerLogId, segment % segmentsPerLogId);
        try (PreparedStatement query = db.prepareStatement(
                "SELECT max(substr(name, 1, 8)) FROM pg_ls_waldir() WHERE length(name) = 24 AND substr(name, 9) = ?")) {
            query.setString(1, segmentSuffix);
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                String timeline = rs.getString(1);
                return timeline == null ? Optional.empty() : Optional.of(Long.parseLong(timeline, 16));
            }
        }
    }

    /** A WAL file name starts with the timeline as 8 hex digits. */
    private static long timelineOfWalFile(String walFileName) {
        return Long.parseLong(walFileName.substring(0, 8), 16);
    }

    private record DataCheck(DataState state, String problem) {
    }

    private DataCheck inspectDataDirectory() {
        Path dir = settings.dataDir();
        if (!Files.exists(dir)) {
            return new DataCheck(DataState.EMPTY, "data directory " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            return new DataCheck(DataState.INVALID, dir + " is not a directory");
        }
        // only whether it has entries, no file opened: an empty mount point of root's is an empty data directory too
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isEmpty()) {
                return new DataCheck(DataState.EMPTY, "data directory " + dir + " is empty");
            }
        } catch (IOException e) {
            return new DataCheck(DataState.INVALID, "cannot list " + dir + ": " + e.getMessage());
        }
        try (HeldDirectory held = dataDirectory()) {
            Optional<String> dataVersion = held.readText("PG_VERSION").map(String::strip);
            if (dataVersion.isEmpty()) {
                return new DataCheck(DataState.INVALID, dir + " is not empty but has no PG_VERSION: not a PostgreSQL data directory");
            }
            String binariesVersion = binariesMajorVersion();
            if (!dataVersion.get().equals(binariesVersion)) {
                return new DataCheck(DataState.INVALID, "data directory is for PostgreSQL " + dataVersion.get()
                        + " but the binaries in " + settings.binDir() + " are PostgreSQL " + binariesVersion);
            }
            try (HeldDirectory global = held.subdirectory("global")) {
                if (global.entry("pg_control").filter(c -> c.type() == FileStat.Type.REGULAR).isEmpty()) {
                    return new DataCheck(DataState.INVALID, dir + " has no global/pg_control");
                }
            } catch (NoSuchFileException e) {
                return new DataCheck(DataState.INVALID, dir + " has no global/pg_control");
            }
        } catch (IOException e) {
            return new DataCheck(DataState.INVALID, "cannot inspect " + dir + ": " + e.getMessage());
        }
        return new DataCheck(DataState.VALID, "");
    }

    private synchronized String binariesMajorVersion() {
        if (binariesMajorVersion == null) {
            CommandRunner.Result result = runner.runOrFail("pg_controldata --version",
                    List.of(settings.binary("pg_controldata").toString(), "--version"), Map.of(), QUICK_COMMAND_TIMEOUT);
            // "pg_controldata (PostgreSQL) 15.14 (Debian 15.14-1.pgdg120+1)"
            String output = result.output().strip();
            int start = output.indexOf(") ") + 2;
            int dot = output.indexOf('.', start);
            binariesMajorVersion = output.substring(start, dot > 0 ? dot : output.length()).strip();
        }
        return binariesMajorVersion;
    }

    /**
     * The postmaster's own status line from postmaster.pid ("starting", "stopping", "ready", "standby"), when a
     * postmaster for this data directory is alive; empty when none is (a pid file left by a killed server counts
     * as none).
     */
    private Optional<String> postmasterStatus() {
        List<String> lines;
        try (HeldDirectory dataDir = dataDirectory()) {
            Optional<String> pidFile = dataDir.readText(POSTMASTER_PID);
            if (pidFile.isEmpty()) {
                return Optional.empty();
            }
            lines = pidFile.get().lines().toList();
        } catch (IOException e) {
            return Optional.empty();
        }
        if (lines.isEmpty()) {
            // Being written right now by a starting postmaster.
            return Optional.of("starting");
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).strip());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (!ServerProcesses.running(pid, "postgres")) {
            return Optional.empty();
        }
        return Optional.of(lines.size() >= 8 ? lines.get(7).strip() : "starting");
    }

    private boolean postmasterAlive() {
        return postmasterStatus().isPresent();
    }

    @Override
    public boolean serverProcessAlive() {
        return postmasterAlive();
    }

    private Optional<ControlData> controlData() {
        try {
            CommandRunner.Result result = runner.run("pg_controldata",
                    List.of(settings.binary("pg_controldata").toString(), "-D", settings.dataDir().toString()),
                    Map.of(), QUICK_COMMAND_TIMEOUT);
            return result.succeeded() ? Optional.of(ControlData.parse(result.output())) : Optional.empty();
        } catch (EngineException e) {
            return Optional.empty();
        }
    }

    // ---------------------------------------------------------------- creating data

    @Override
    public void initializeNewCluster() {
        String step = "initialize a new cluster";
        requireEmptyDataDirectory(step);
        prepareDataDirectory(step);
        log.info("Creating a new PostgreSQL cluster in {}", settings.dataDir());
        try (PasswordFile passwordFile = PasswordFile.plain(step, settings.superuserPassword(), settings.osUser())) {
            runner.runOrFail("initdb", List.of(settings.binary("initdb").toString(),
                    "-D", settings.dataDir().toString(),
                    "--username=" + settings.superuser(),
                    "--pwfile=" + passwordFile.path(),
                    "--auth-local=peer", "--auth-host=scram-sha-256",
                    "--encoding=UTF8"), Map.of(), INITDB_TIMEOUT);
        }
        config.markStandby(false);
        config.writeNodeConfiguration(Optional.empty());
        startServer(step);
        awaitRole(step, Role.PRIMARY, START_TIMEOUT);
        createReplicationRole(step);
    }

    private void createReplicationRole(String step) {
        synchronized (connectionLock) {
            try {
                Connection db = connection();
                boolean exists;
                try (PreparedStatement query = db.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
                    query.setString(1, settings.replicationUser());
                    try (ResultSet rs = query.executeQuery()) {
                        exists = rs.next();
                    }
                }
                try (Statement statement = db.createStatement()) {
                    statement.execute((exists ? "ALTER ROLE " : "CREATE ROLE ") + settings.replicationUser()
                            + " LOGIN REPLICATION");
                }
                // The driver hashes the password (SCRAM) before sending it, so it never reaches the server log.
                db.unwrap(PGConnection.class).alterUserPassword(settings.replicationUser(),
                        settings.replicationPassword().toCharArray(), "scram-sha-256");
            } catch (SQLException e) {
                closeConnection();
                throw new EngineException(step + ": cannot create the replication role "
                        + settings.replicationUser() + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void cloneFrom(Peer primary) {
        String step = "clone from " + primary.name() + " (" + primary.database() + ")";
        requireEmptyDataDirectory(step);
        prepareDataDirectory(step);
        log.info("Cloning {} from {}", settings.dataDir(), primary);
        try (PasswordFile pgpass = PasswordFile.pgpass(step, settings.replicationUser(), settings.replicationPassword(),
                settings.osUser())) {
            runner.runOrFail("pg_basebackup from " + primary.name(), List.of(settings.binary("pg_basebackup").toString(),
                            "-h", primary.database().host(), "-p", Integer.toString(primary.database().port()),
                            "-U", settings.replicationUser(), "-D", settings.dataDir().toString(),
                            "-X", "stream", "-c", "fast", "--no-password"),
                    passwordFileEnvironment(pgpass), COPY_TIMEOUT);
        }
        startReplicaServer(step, Optional.of(primary));
    }

    @Override
    public void reinitializeFrom(Peer primary) {
        String step = "reinitialize from " + primary.name();
        stopForcefullyIfNeeded(step);
        DataDirectories.moveAside(settings.dataDir(), osUser(), step).ifPresent(aside ->
                log.warn("Moved the data directory {} aside to {} before cloning it again", settings.dataDir(), aside));
        cloneFrom(primary);
    }

    /** A clean stop, or an immediate one when a clean stop fails: the data is about to be moved aside anyway. */
    private void stopForcefullyIfNeeded(String step) {
        try {
            stop();
        } catch (EngineException e) {
            log.warn("{}: clean stop failed, stopping immediately: {}", step, e.getMessage());
            pgCtlStop("immediate", FENCE_STEP_TIMEOUT, true);
        }
    }

    private void requireEmptyDataDirectory(String step) {
        DataCheck data = inspectDataDirectory();
        if (data.state() != DataState.EMPTY) {
            throw new EngineException(step + ": the data directory " + settings.dataDir() + " is not empty ("
                    + data.state() + (data.problem().isEmpty() ? "" : ": " + data.problem()) + ")");
        }
    }

    /** Creates the (empty) data directory owned by the server's user, with the permissions PostgreSQL demands. */
    private void prepareDataDirectory(String step) {
        try {
            DataDirectories.createOwned(settings.dataDir(), osUser(), 0700).close();
        } catch (IOException e) {
            throw new EngineException(step + ": cannot prepare the data directory " + settings.dataDir() + ": "
                    + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- starting

    @Override
    public void startAsPrimary() {
        String step = "start as primary";
        EngineStatus status = settle(step);
        if (status.role() == Role.PRIMARY) {
            return;
        }
        if (status.role() == Role.REPLICA) {
            throw new EngineException(step + ": the server is running as a replica; promote it instead");
        }
        requireValidDataDirectory(step, status);
        config.markStandby(false);
        config.writeNodeConfiguration(Optional.empty());
        startServer(step);
        awaitRole(step, Role.PRIMARY, START_TIMEOUT);
    }

    @Override
    public void startAsReplica(Optional<Peer> primary) {
        String step = "start as replica" + primary.map(p -> " of " + p.name()).orElse(" without a primary");
        EngineStatus status = settle(step);
        if (status.role() == Role.REPLICA) {
            if (primary.isPresent()) {
                follow(primary.get());
            } else {
                repoint(step, Optional.empty());
            }
            return;
        }
        if (status.role() == Role.PRIMARY) {
            stop();
            status = probe();
        }
        requireValidDataDirectory(step, status);
        if (primary.isPresent() && mayHaveDiverged(primary.get())) {
            rewind(primary.get());
        }
        startReplicaServer(step, primary);
    }

    /** Writes this node's configuration for a replica of {@code primary} and starts it in recovery. */
    private void startReplicaServer(String step, Optional<Peer> primary) {
        config.dropCopiedSynchronousStandbys();
        config.writeNodeConfiguration(primary);
        config.markStandby(true);
        startServer(step);
        awaitRole(step, Role.REPLICA, START_TIMEOUT);
    }

    /**
     * Whether the local history may have forked from the primary's: it last ran as a primary itself, or it is on
     * another timeline. When the primary cannot be asked, only the first counts: a replica then starts and its
     * WAL receiver sorts out the rest.
     */
    private boolean mayHaveDiverged(Peer primary) {
        ControlData local = controlData().orElseThrow(() -> new EngineException(
                "start as replica: pg_controldata cannot read " + settings.dataDir()));
        if (local.lastRanAsPrimary()) {
            return true;
        }
        return primaryPosition(primary).map(position -> position.timeline() != local.timeline()).orElse(false);
    }

    private void rewind(Peer primary) {
        log.info("Rewinding {} to follow {}", settings.dataDir(), primary);
        checkpointAfterPromotion(primary);
        String sourceServer = "host=" + primary.database().host() + " port=" + primary.database().port()
                + " user=" + settings.superuser() + " dbname=postgres connect_timeout="
                + Math.max(1, settings.connectTimeout().toSeconds());
        CommandRunner.Result result;
        try (PasswordFile pgpass = PasswordFile.pgpass("rewind from " + primary.name(), settings.superuser(),
                settings.superuserPassword(), settings.osUser())) {
            result = runner.run("pg_rewind from " + primary.name(), List.of(
                            settings.binary("pg_rewind").toString(), "--target-pgdata", settings.dataDir().toString(),
                            "--source-server", sourceServer),
                    passwordFileEnvironment(pgpass), COPY_TIMEOUT);
        }
        if (!result.succeeded()) {
            String failure = "rewind from " + primary.name() + " failed (exit code " + result.exitCode() + "): "
                    + result.tail();
            RewindFailure.Verdict verdict = RewindFailure.judge(result.output(), settings.reinitializeOnRewindFailure(),
                    settings.dataDir());
            throw new RewindFailedException(failure + "; " + verdict.explanation(), verdict.next());
        }
        log.info("pg_rewind from {}: {}", primary.name(), result.tail());
    }

    /**
     * pg_rewind reads the source's timeline from its control file, which a fresh primary updates only at the
     * checkpoint that follows promotion; until then pg_rewind sees no fork and rewinds nothing.
     */
    private void checkpointAfterPromotion(Peer primary) {
        try (Connection db = connect(primary.database().host(), primary.database().port());
             Statement statement = db.createStatement()) {
            db.setNetworkTimeout(DIRECT_EXECUTOR, (int) COPY_TIMEOUT.toMillis());
            try (ResultSet rs = statement.executeQuery("SELECT (SELECT timeline_id FROM pg_control_checkpoint()) <> "
                    + "('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    statement.execute("CHECKPOINT");
                }
            }
        } catch (SQLException e) {
            // Not a failed rewind: nothing was touched, and the primary may be back in a moment.
            throw new EngineException("start as replica of " + primary.name() + ": cannot reach it to prepare the rewind"
                    + " (checkpoint of its new timeline): " + e.getMessage(), e);
        }
    }

    private void requireValidDataDirectory(String step, EngineStatus status) {
        if (status.dataState() != DataState.VALID) {
            throw new EngineException(step + ": the data directory " + settings.dataDir() + " is "
                    + status.dataState() + status.problem().map(p -> " (" + p + ")").orElse(""));
        }
    }

    /**
     * Waits for a postmaster that is starting (crash recovery) or stopping to finish doing so, then probes.
     * The result is a running server or a stopped one with no postmaster left.
     */
    private EngineStatus settle(String step) {
        waitUntil(step + ": wait for the starting or stopping server to settle", START_TIMEOUT,
                () -> probe().running() || !postmasterAlive());
        return probe();
    }

    private void startServer(String step) {
        ensureSocketDirectory(step);
        try {
            Files.createDirectories(serverLog.getParent());
        } catch (IOException e) {
            throw new EngineException(step + ": cannot create " + serverLog.getParent() + ": " + e.getMessage(), e);
        }
        clearRemainsOfDeadPostmaster();
        long deadline = System.nanoTime() + SHARED_MEMORY_RELEASE_TIMEOUT.toNanos();
        while (true) {
            // The server's output goes to the log file: pg_ctl start -l would need the server's user to reach it.
            CommandRunner.Result result = runner.runAppendingTo(step + ": pg_ctl start", List.of(
                    settings.binary("pg_ctl").toString(), "start", "-D", settings.dataDir().toString(),
                    "-w", "-t", Long.toString(START_TIMEOUT.toSeconds())), START_TIMEOUT.plusSeconds(30), serverLog);
            if (result.succeeded()) {
                return;
            }
            boolean oldChildrenStillAttached = result.output().contains("pre-existing shared memory block");
            if (!oldChildrenStillAttached || System.nanoTime() > deadline) {
                throw new EngineException(step + ": pg_ctl start failed (exit code " + result.exitCode() + "): "
                        + result.tail());
            }
            sleep(POLL_INTERVAL.multipliedBy(2));
        }
    }

    /**
     * Clears what a SIGKILLed postmaster leaves behind, which would otherwise keep a new one from starting for
     * seconds: its children linger until each notices (holding the shared memory), and the dead postmaster itself may
     * stay a zombie until its parent (often init) reaps it, which PostgreSQL takes for a live server. With the
     * postmaster gone its children can do nothing useful, so they are ended: every process of the server's binary
     * whose working directory is this data directory (PostgreSQL's processes all run there). Once none is left, a
     * lock file naming a dead or zombie postmaster is stale and is removed.
     */
    private void clearRemainsOfDeadPostmaster() {
        if (postmasterAlive()) {
            return;
        }
        Path dataDir = settings.dataDir().toAbsolutePath().normalize();
        String binary = settings.binary("postgres").toString();
        List<ProcessHandle> orphans = ProcessHandle.allProcesses()
                .filter(p -> running(p.pid()))
                .filter(p -> p.info().command().filter(binary::equals).isPresent())
                .filter(p -> workingDirectory(p.pid()).filter(dataDir::equals).isPresent())
                .collect(Collectors.toList());
        if (!orphans.isEmpty()) {
            log.info("Ending {} leftover processes of a dead postmaster in {}", orphans.size(), dataDir);
            orphans.forEach(ProcessHandle::destroyForcibly);
            long deadline = System.nanoTime() + ORPHAN_EXIT_TIMEOUT.toNanos();
            while (orphans.stream().anyMatch(p -> running(p.pid()))) {
                if (System.nanoTime() > deadline) {
                    return; // pg_ctl will refuse and say why
                }
                sleep(Duration.ofMillis(10));
            }
        }
        // The socket's lock file names the dead postmaster too; both go, and only if they name it.
        try (HeldDirectory data = dataDirectory()) {
            Optional<String> deadPid = firstLine(data, POSTMASTER_PID);
            if (deadPid.isEmpty()) {
                return;
            }
            try (HeldDirectory sockets = HeldDirectory.open(settings.socketDir(), osUser())) {
                removeStaleLockFile(sockets, ".s.PGSQL." + settings.port() + ".lock", deadPid.get());
            } catch (IOException e) {
                log.warn("Cannot check the socket lock file in {}: {}", settings.socketDir(), e.getMessage());
            }
            removeStaleLockFile(data, POSTMASTER_PID, deadPid.get());
        } catch (IOException e) {
            log.warn("Cannot check the stale postmaster.pid in {}: {}", dataDir, e.getMessage());
        }
    }

    private static void removeStaleLockFile(HeldDirectory dir, String name, String deadPid) {
        if (firstLine(dir, name).filter(deadPid::equals).isPresent()) {
            try {
                dir.delete(name);
                log.info("Removed {}, left by dead postmaster {}", dir.path().resolve(name), deadPid);
            } catch (IOException e) {
                log.warn("Cannot remove the stale lock file {}: {}", dir.path().resolve(name), e.getMessage());
            }
        }
    }

    /** The first line of a file of the server's user in {@code dir}; empty when it is absent or refused. */
    private static Optional<String> firstLine(HeldDirectory dir, String name) {
        try {
            return dir.readText(name).flatMap(text -> text.lines().findFirst()).map(String::strip);
        } catch (IOException e) {
            log.debug("cannot read {}: {}", dir.path().resolve(name), e.getMessage());
            return Optional.empty();
        }
    }

    /** Alive and not a zombie. */
    private static boolean running(long pid) {
        return ServerProcesses.running(pid);
    }

    private static Optional<Path> workingDirectory(long pid) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")).normalize());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return Optional.empty();
        }
    }

    private void ensureSocketDirectory(String step) {
        Path socketDir = settings.socketDir();
        if (Files.isDirectory(socketDir)) {
            return;
        }
        try {
            DataDirectories.createOwned(socketDir, osUser(), 0755).close();
        } catch (IOException e) {
            throw new EngineException(step + ": cannot create the socket directory " + socketDir + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- replication changes

    @Override
    public void follow(Peer primary) {
        String step = "follow " + primary.name();
        EngineStatus status = settle(step);
        switch (status.role()) {
            case STOPPED -> startAsReplica(Optional.of(primary));
            case PRIMARY -> {
                log.info("{}: demoting the running primary", step);
                stop();
                startAsReplica(Optional.of(primary));
            }
            case REPLICA -> {
                Optional<WalPosition> primaryPosition = primaryPosition(primary);
                boolean restartNeeded = primaryPosition
                        .map(p -> p.timeline() != status.timeline() || status.position() > p.lsn())
                        .orElse(false);
                if (restartNeeded) {
                    log.info("{}: local timeline {} position {} vs primary's {}: restarting to rewind if needed",
                            step, status.timeline(), status.position(), primaryPosition.get());
                    stop();
                    startAsReplica(Optional.of(primary));
                } else {
                    repoint(step, Optional.of(primary));
                }
            }
        }
    }

    /** Changes the replication source of a running replica; PostgreSQL 15 applies primary_conninfo on reload. */
    private void repoint(String step, Optional<Peer> primary) {
        if (!config.differs(primary)) {
            return;
        }
        config.writeNodeConfiguration(primary);
        reloadConfiguration(step);
    }

    private void reloadConfiguration(String step) {
        execute(step + ": reload the configuration", "SELECT pg_reload_conf()");
    }

    private record WalPosition(long timeline, long lsn) {
    }

    /** The primary's current timeline and write position, or empty when it cannot be asked or is not a primary. */
    private Optional<WalPosition> primaryPosition(Peer primary) {
        try (Connection db = connect(primary.database().host(), primary.database().port());
             Statement statement = db.createStatement();
             ResultSet rs = statement.executeQuery(
                     "SELECT pg_walfile_name(pg_current_wal_lsn()), (pg_current_wal_lsn() - '0/0')::bigint")) {
            rs.next();
            return Optional.of(new WalPosition(timelineOfWalFile(rs.getString(1)), rs.getLong(2)));
        } catch (SQLException e) {
            log.warn("Cannot read the timeline of {}: {}", primary, e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void promote() {
        String step = "promote";
        EngineStatus status = probe();
        if (status.role() == Role.PRIMARY) {
            return;
        }
        if (status.role() == Role.STOPPED) {
            throw new EngineException(step + ": the server is not running" + status.problem().map(p -> " (" + p + ")").orElse(""));
        }
        boolean promoted;
        synchronized (connectionLock) {
            try {
                Connection db = connection();
                // pg_promote waits up to 60 s: longer than the probe's socket timeout.
                db.setNetworkTimeout(DIRECT_EXECUTOR, (int) PROMOTE_TIMEOUT.plusSeconds(30).toMillis());
                try (Statement statement = db.createStatement();
                     ResultSet rs = statement.executeQuery("SELECT pg_promote(true, " + PROMOTE_TIMEOUT.toSeconds() + ")")) {
                    rs.next();
                    promoted = rs.getBoolean(1);
                }
                db.setNetworkTimeout(DIRECT_EXECUTOR, (int) socketTimeout().toMillis());
            } catch (SQLException e) {
                closeConnection();
                throw new EngineException(step + ": pg_promote failed: " + e.getMessage(), e);
            }
        }
        if (!promoted) {
            throw new EngineException(step + ": the server did not finish promotion within " + PROMOTE_TIMEOUT.toSeconds() + "s");
        }
        awaitRole(step, Role.PRIMARY, PROMOTE_TIMEOUT);
    }

    // ---------------------------------------------------------------- stopping

    @Override
    public void fence() {
        if (!postmasterAlive()) {
            return;
        }
        log.warn("Fencing PostgreSQL in {}", settings.dataDir());
        CommandRunner.Result fast;
        try {
            fast = pgCtlStop("fast", FENCE_STEP_TIMEOUT, false);
        } catch (EngineException e) {
            fast = new CommandRunner.Result(-1, e.getMessage());
        }
        if (!fast.succeeded() && postmasterAlive()) {
            log.warn("Fast shutdown did not finish ({}); stopping immediately", fast.tail());
            pgCtlStop("immediate", FENCE_STEP_TIMEOUT, true);
        }
    }

    @Override
    public void stop() {
        if (!postmasterAlive()) {
            return;
        }
        pgCtlStop("fast", settings.stopTimeout(), true);
    }

    private CommandRunner.Result pgCtlStop(String mode, Duration timeout, boolean failOnError) {
        List<String> command = pgCtlStopCommand(mode, timeout);
        String step = "pg_ctl stop -m " + mode;
        return failOnError
                ? runner.runOrFail(step, command, Map.of(), timeout.plusSeconds(10))
                : runner.run(step, command, Map.of(), timeout.plusSeconds(10));
    }

    private List<String> pgCtlStopCommand(String mode, Duration timeout) {
        return List.of(settings.binary("pg_ctl").toString(), "stop", "-D", settings.dataDir().toString(),
                "-m", mode, "-w", "-t", Long.toString(Math.max(1, timeout.toSeconds())));
    }

    @Override
    public List<String> fenceCommand() {
        String fast = CommandRunner.shellQuoted(runner.asOsUser(pgCtlStopCommand("fast", FENCE_STEP_TIMEOUT)));
        String immediate = CommandRunner.shellQuoted(runner.asOsUser(pgCtlStopCommand("immediate", FENCE_STEP_TIMEOUT)));
        return List.of("/bin/sh", "-c", fast + " || " + immediate);
    }

    // ---------------------------------------------------------------- primary's replication settings

    @Override
    public void reconcileReplicationSlots(Set<String> memberNames) {
        if (probe().role() != Role.PRIMARY) {
            return;
        }
        String step = "reconcile replication slots";
        Set<String> wanted = memberNames.stream()
                .filter(name -> !name.equals(context.memberName()))
                .map(ConfigWriter::slotName)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> ours = readSlotRegistry();
        ours.addAll(wanted);
        synchronized (connectionLock) {
            try {
                Connection db = connection();
                Map<String, Boolean> existing = new HashMap<>();
                try (Statement statement = db.createStatement();
                     ResultSet rs = statement.executeQuery(
                             "SELECT slot_name, active FROM pg_replication_slots WHERE slot_type = 'physical' AND NOT temporary")) {
                    while (rs.next()) {
                        existing.put(rs.getString(1), rs.getBoolean(2));
                    }
                }
                for (String slot : wanted) {
                    if (!existing.containsKey(slot)) {
                        log.info("Creating replication slot {}", slot);
                        callWithName(db, "SELECT pg_create_physical_replication_slot(?, true)", slot);
                    }
                }
                for (Map.Entry<String, Boolean> slot : existing.entrySet()) {
                    // Only slots Steward made for members that left, and only once nothing streams from them.
                    if (!wanted.contains(slot.getKey()) && ours.contains(slot.getKey()) && !slot.getValue()) {
                        log.info("Dropping replication slot {} of a member that left", slot.getKey());
                        callWithName(db, "SELECT pg_drop_replication_slot(?)", slot.getKey());
                        ours.remove(slot.getKey());
                    }
                }
            } catch (SQLException e) {
                closeConnection();
                throw new EngineException(step + " failed: " + e.getMessage(), e);
            } finally {
                writeSlotRegistry(ours);
            }
        }
    }

    private static void callWithName(Connection db, String sql, String name) throws SQLException {
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            statement.setString(1, name);
            statement.execute();
        }
    }

    /** The slots Steward created on this node; it drops no other slot, so that slots of other tools are safe. */
    private Set<String> readSlotRegistry() {
        try (HeldDirectory stateDir = HeldDirectory.open(slotRegistry.getParent(), FileOwner.ROOT)) {
            return stateDir.readText(slotRegistry.getFileName().toString())
                    .map(text -> new TreeSet<>(text.lines().map(String::strip).filter(s -> !s.isEmpty()).toList()))
                    .orElseGet(TreeSet::new);
        } catch (NoSuchFileException e) {
            return new TreeSet<>();
        } catch (IOException e) {
            throw new EngineException("cannot read " + slotRegistry + ": " + e.getMessage(), e);
        }
    }

    private void writeSlotRegistry(Set<String> slots) {
        try {
            Files.createDirectories(slotRegistry.getParent());
            try (HeldDirectory stateDir = HeldDirectory.open(slotRegistry.getParent(), FileOwner.ROOT)) {
                stateDir.replace(slotRegistry.getFileName().toString(),
                        slots.stream().map(slot -> slot + "\n").collect(Collectors.joining()));
            }
        } catch (IOException e) {
            throw new EngineException("cannot write " + slotRegistry + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void setSynchronousStandbys(List<String> memberNames) {
        if (probe().role() != Role.PRIMARY) {
            return;
        }
        String step = "set synchronous standbys";
        String wanted = memberNames.isEmpty() ? "" : "FIRST 1 (" + new LinkedHashSet<>(memberNames).stream()
                .map(name -> '"' + name.replace("\"", "\"\"") + '"')
                .collect(Collectors.joining(",")) + ")";
        if (wanted.equals(currentSetting(step, "synchronous_standby_names"))) {
            return;
        }
        log.info("Setting synchronous_standby_names to '{}'", wanted);
        execute(step, "ALTER SYSTEM SET synchronous_standby_names = '" + wanted.replace("'", "''") + "'");
        reloadConfiguration(step);
        // The reload is asynchronous; return once the server works with the new value.
        waitUntil(step + ": wait for the reload", Duration.ofSeconds(10),
                () -> wanted.equals(currentSetting(step, "synchronous_standby_names")));
    }

    private String currentSetting(String step, String name) {
        synchronized (connectionLock) {
            try (PreparedStatement statement = connection().prepareStatement("SELECT current_setting(?)")) {
                statement.setString(1, name);
                try (ResultSet rs = statement.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            } catch (SQLException e) {
                closeConnection();
                throw new EngineException(step + ": cannot read " + name + ": " + e.getMessage(), e);
            }
        }
    }

    private void execute(String step, String sql) {
        synchronized (connectionLock) {
            try (Statement statement = connection().createStatement()) {
                statement.execute(sql);
            } catch (SQLException e) {
                closeConnection();
                throw new EngineException(step + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public Endpoint endpoint() {
        return new Endpoint(context.advertisedHost(), settings.port());
    }

    @Override
    public void close() {
        synchronized (connectionLock) {
            closeConnection();
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The agent's connection to the local server, opened on first use and after a failure. */
    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = connect(settings.localConnectHost(), settings.port());
        }
        return connection;
    }

    private Connection connect(String host, int port) throws SQLException {
        return connect(host, port, socketTimeout());
    }

    private Connection connect(String host, int port, Duration socketTimeout) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", settings.superuser());
        properties.setProperty("password", settings.superuserPassword());
        long connectSeconds = Math.max(1, settings.connectTimeout().toSeconds());
        properties.setProperty("connectTimeout", Long.toString(connectSeconds));
        properties.setProperty("loginTimeout", Long.toString(connectSeconds));
        properties.setProperty("socketTimeout", Long.toString(socketTimeout.toSeconds()));
        properties.setProperty("ApplicationName", "steward");
        String hostInUrl = host.contains(":") ? "[" + host + "]" : host;
        return DriverManager.getConnection("jdbc:postgresql://" + hostInUrl + ":" + port + "/postgres", properties);
    }

    private Duration socketTimeout() {
        Duration fiveConnects = settings.connectTimeout().multipliedBy(5);
        return fiveConnects.compareTo(Duration.ofSeconds(10)) > 0 ? fiveConnects : Duration.ofSeconds(10);
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Already broken: nothing left to release.
            }
            connection = null;
        }
    }

    /** Called once the server was started: a server that has stopped since will not get there by waiting. */
    private void awaitRole(String step, Role role, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        EngineStatus status = probe();
        while (status.role() != role) {
            if (status.role() == Role.STOPPED && !postmasterAlive()) {
                throw new EngineException(step + ": the server stopped while starting as " + role
                        + status.problem().map(p -> " (" + p + ")").orElse("") + "; server log: " + serverLogTail());
            }
            if (System.nanoTime() > deadline) {
                throw new EngineException(step + ": the server is " + status.role() + " instead of " + role
                        + " after " + timeout.toSeconds() + "s" + status.problem().map(p -> " (" + p + ")").orElse("")
                        + "; server log: " + serverLogTail());
            }
            sleep(POLL_INTERVAL);
            status = probe();
        }
    }

    private void waitUntil(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new EngineException(what + ": still waiting after " + timeout.toSeconds() + "s");
            }
            sleep(POLL_INTERVAL);
        }
    }

    private String serverLogTail() {
        return Files.exists(serverLog) ? CommandRunner.tailOf(serverLog) : "(no server log yet)";
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while waiting for PostgreSQL", e);
        }
    }

    private FileOwner osUser() {
        return FileOwner.lookup(settings.osUser());
    }

    /** The data directory, held open as the server user's: its files are read and removed through it only. */
    private HeldDirectory dataDirectory() throws IOException {
        return HeldDirectory.open(settings.dataDir(), osUser());
    }

    /** libpq reads the password from the file the variable names: the child's environment holds no secret. */
    private static Map<String, String> passwordFileEnvironment(PasswordFile pgpass) {
        return Map.of("PGPASSFILE", pgpass.path().toString());
    }
}
