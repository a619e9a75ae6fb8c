package io.steward.postgres;

import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.Peer;
import io.steward.engine.RewindFailedException;
import io.steward.engine.support.CommandRunner;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a local history that forked from the primary's back onto it with {@code pg_rewind}: whether it may have
 * forked, the rewind itself, and what a failed one leaves to do ({@link RewindFailure}).
 */
final class Rewind {
    private static final Logger log = LoggerFactory.getLogger(Rewind.class);
    /** pg_rewind copies what changed: allow for a large database. */
    private static final Duration REWIND_TIMEOUT = Duration.ofHours(12);

    /** Where the primary writes now: its timeline, and its position on it. */
    record WalPosition(long timeline, long lsn) {}

    private final PostgresSettings settings;
    private final CommandRunner runner;
    private final DataDirectory dataDirectory;
    private final PostgresConnection connection;

    Rewind(
            PostgresSettings settings,
            CommandRunner runner,
            DataDirectory dataDirectory,
            PostgresConnection connection) {
        this.settings = settings;
        this.runner = runner;
        this.dataDirectory = dataDirectory;
        this.connection = connection;
    }

    /**
     * Whether the stopped local history may have forked from the primary's: it last ran as a primary itself, or it is
     * on another timeline. When the primary cannot be asked, only the first counts: a replica then starts and its
     * WAL receiver sorts out the rest.
     */
    boolean mayHaveDiverged(Peer primary) {
        ControlData local = dataDirectory
                .controlData()
                .orElseThrow(() ->
                        new EngineException("start as replica: pg_controldata cannot read " + settings.dataDir()));
        if (local.lastRanAsPrimary()) {
            return true;
        }
        return primaryPosition(primary)
                .map(position -> position.timeline() != local.timeline())
                .orElse(false);
    }

    /**
     * Whether a running replica must restart to follow a primary at {@code primary}: it is on another timeline, or
     * ahead of it (it received what the primary does not have), so that it may need a rewind first.
     */
    static boolean mustRestartToFollow(EngineStatus replica, WalPosition primary) {
        return primary.timeline() != replica.timeline() || replica.position() > primary.lsn();
    }

    /**
     * Rewinds the stopped data directory to follow {@code primary}.
     *
     * @throws RewindFailedException when pg_rewind fails, saying what may follow
     * @throws EngineException when the primary cannot be reached to prepare it (nothing was touched)
     */
    void rewind(Peer primary) {
        log.info("Rewinding {} to follow {}", settings.dataDir(), primary);
        checkpointAfterPromotion(primary);
        String sourceServer = "host=" + primary.database().host() + " port="
                + primary.database().port()
                + " user=" + settings.superuser() + " dbname=postgres connect_timeout="
                + Math.max(1, settings.connectTimeout().toSeconds());
        CommandRunner.Result result;
        try (PasswordFile pgpass = PasswordFile.pgpass(
                "rewind from " + primary.name(),
                settings.superuser(),
                settings.superuserPassword(),
                settings.osUser())) {
            result = runner.run(
                    "pg_rewind from " + primary.name(),
                    List.of(
                            settings.binary("pg_rewind").toString(),
                            "--target-pgdata",
                            settings.dataDir().toString(),
                            "--source-server",
                            sourceServer),
                    pgpass.environment(),
                    REWIND_TIMEOUT);
        }
        if (!result.succeeded()) {
            String failure =
                    "rewind from " + primary.name() + " failed (exit code " + result.exitCode() + "): " + result.tail();
            RewindFailure.Verdict verdict =
                    RewindFailure.judge(result.output(), settings.reinitializeOnRewindFailure(), settings.dataDir());
            throw new RewindFailedException(failure + "; " + verdict.explanation(), verdict.next());
        }
        log.info("pg_rewind from {}: {}", primary.name(), result.tail());
    }

    /**
     * pg_rewind reads the source's timeline from its control file, which a fresh primary updates only at the
     * checkpoint that follows promotion; until then pg_rewind sees no fork and rewinds nothing.
     */
    private void checkpointAfterPromotion(Peer primary) {
        try (Connection db = connection.connect(
                        primary.database().host(), primary.database().port());
                Statement statement = db.createStatement()) {
            db.setNetworkTimeout(Runnable::run, (int) REWIND_TIMEOUT.toMillis());
            try (ResultSet rs = statement.executeQuery("SELECT (SELECT timeline_id FROM pg_control_checkpoint()) <> "
                    + "('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    statement.execute("CHECKPOINT");
                }
            }
        } catch (SQLException e) {
            // Not a failed rewind: nothing was touched, and the primary may be back in a moment.
            throw new EngineException(
                    "start as replica of " + primary.name() + ": cannot reach it to prepare the rewind"
                            + " (checkpoint of its new timeline): " + e.getMessage(),
                    e);
        }
    }

    /** The primary's current timeline and write position, or empty when it cannot be asked or is not a primary. */
    Optional<WalPosition> primaryPosition(Peer primary) {
        try (Connection db = connection.connect(
                        primary.database().host(), primary.database().port());
                Statement statement = db.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT pg_walfile_name(pg_current_wal_lsn()), (pg_current_wal_lsn() - '0/0')::bigint")) {
            rs.next();
            return Optional.of(new WalPosition(StatusProbe.timelineOfWalFile(rs.getString(1)), rs.getLong(2)));
        } catch (SQLException e) {
            log.warn("Cannot read the timeline of {}: {}", primary, e.getMessage());
            return Optional.empty();
        }
    }
}
