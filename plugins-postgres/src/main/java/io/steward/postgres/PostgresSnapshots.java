package io.steward.postgres;

import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.Peer;
import io.steward.engine.Role;
import io.steward.engine.SnapshotHold;
import io.steward.progress.Progress;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshot sets: the base backup held around a snapshot of the volumes ({@link PostgresSnapshotHold}), and a server
 * started on restored volumes, as the primary of a new history after archive recovery, or as a replica.
 */
final class PostgresSnapshots {
    private static final Logger log = LoggerFactory.getLogger(PostgresSnapshots.class);
    /** pg_backup_stop waits for the archive; a stuck archive must fail the snapshot set, not hang it. */
    private static final Duration BACKUP_STOP_TIMEOUT = Duration.ofMinutes(10);

    private static final Duration RECOVERY_TIMEOUT = Duration.ofHours(24);
    private static final Duration RECOVERY_REPORT_INTERVAL = Duration.ofSeconds(2);
    static final String REPLAYING = "replaying the archive";

    private final PostgresSettings settings;
    private final ConfigWriter config;
    private final DataDirectory dataDirectory;
    private final Postmaster postmaster;
    private final StatusProbe status;
    private final PostgresConnection connection;
    private final RoleChanges roles;

    PostgresSnapshots(
            PostgresSettings settings,
            ConfigWriter config,
            DataDirectory dataDirectory,
            Postmaster postmaster,
            StatusProbe status,
            PostgresConnection connection,
            RoleChanges roles) {
        this.settings = settings;
        this.config = config;
        this.dataDirectory = dataDirectory;
        this.postmaster = postmaster;
        this.status = status;
        this.connection = connection;
        this.roles = roles;
    }

    /** {@code pg_backup_start} on a connection of its own, held until the hold is released. */
    SnapshotHold hold(String label) {
        try {
            return PostgresSnapshotHold.begin(
                    connection.connect(settings.localConnectHost(), settings.port(), BACKUP_STOP_TIMEOUT), label);
        } catch (SQLException e) {
            throw new EngineException("cannot connect to start backup " + label + ": " + e.getMessage(), e);
        }
    }

    void recover(Map<String, String> files, Optional<Instant> targetTime, Consumer<Progress> progress) {
        String step =
                "recover from snapshot set" + targetTime.map(t -> " to " + t).orElse(" to the end of the archive");
        requireBaseBackup(step, files);
        if (!settings.parameters().containsKey("restore_command")) {
            throw new EngineException(step + ": postgresql.parameters.restore_command is not set; recovery needs it to "
                    + "read the archive (e.g. steward wal-fetch %f \"%p\")");
        }
        requireRestoredAndStopped(step);
        config.prepareArchiveRecovery(files, targetTime);
        long started = System.nanoTime();
        Supplier<Duration> elapsed = () -> Duration.ofNanos(System.nanoTime() - started);
        progress.accept(Progress.step("starting archive recovery", elapsed.get()));
        postmaster.start(step);
        long deadline = started + RECOVERY_TIMEOUT.toNanos();
        long nextReport = 0;
        while (true) {
            EngineStatus now = status.probe();
            if (now.role() == Role.PRIMARY) {
                break;
            }
            if (!now.running() && !postmaster.alive()) {
                throw new EngineException(step + ": the server stopped during recovery: " + postmaster.serverLogTail());
            }
            if (System.nanoTime() > deadline) {
                throw new EngineException(step + ": still recovering after " + RECOVERY_TIMEOUT.toHours() + " h");
            }
            if (System.nanoTime() > nextReport) {
                replayed()
                        .ifPresent(replay ->
                                progress.accept(Progress.at(REPLAYING, replay.against(targetTime), elapsed.get())));
                nextReport = System.nanoTime() + RECOVERY_REPORT_INTERVAL.toNanos();
            }
            Polling.sleep(Polling.INTERVAL.multipliedBy(5));
        }
        // the last replayed record stays readable after promotion: where replay ended, however short it was
        replayed()
                .ifPresent(
                        replay -> progress.accept(Progress.at(REPLAYING, replay.against(targetTime), elapsed.get())));
        config.writeNodeConfiguration(Optional.empty());
        connection.reloadConfiguration(step);
        EngineStatus promoted = status.probe();
        progress.accept(Progress.step(
                "recovered and promoted at " + Lsn.format(promoted.position()) + " on timeline " + promoted.timeline(),
                elapsed.get()));
    }

    /** Where replay is, read from the server; empty before it takes connections (it is not consistent yet). */
    private Optional<ReplayPosition> replayed() {
        try {
            return connection.queryRetryingOnce(ReplayPosition::read);
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    void startReplica(Map<String, String> files, Peer primary) {
        String step = "start a replica of " + primary.name() + " from a snapshot set";
        requireBaseBackup(step, files);
        requireRestoredAndStopped(step);
        config.writeBackupFiles(files);
        log.info("Seeding {} from a snapshot set; it catches up from the archive and {}", settings.dataDir(), primary);
        roles.startReplicaServer(step, Optional.of(primary));
    }

    private static void requireBaseBackup(String step, Map<String, String> files) {
        if (!files.containsKey("backup_label")) {
            throw new EngineException(step + ": the set has no backup_label; it was not taken with pg_backup_start");
        }
    }

    /**
     * The restored data directory is valid, with no server on it (the snapshotted postmaster.pid, naming a process of
     * another machine, is forgotten first).
     */
    private void requireRestoredAndStopped(String step) {
        postmaster.forgetSnapshotted(step);
        EngineStatus now = status.probe();
        if (now.running()) {
            throw new EngineException(step + ": a server is running on " + settings.dataDir());
        }
        dataDirectory.requireValid(step, now);
    }
}
