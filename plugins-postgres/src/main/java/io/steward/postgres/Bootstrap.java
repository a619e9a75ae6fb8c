package io.steward.postgres;

import io.steward.engine.Peer;
import io.steward.engine.Role;
import io.steward.engine.support.CommandRunner;
import io.steward.progress.Progress;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills an empty data directory: a new cluster with {@code initdb} (and the replication role its replicas log in
 * with), or a copy of the primary's with {@code pg_basebackup}; and a replica that cannot rejoin otherwise is moved
 * aside and copied again.
 */
final class Bootstrap {
    private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);
    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(5);
    /** pg_basebackup copies the database: allow for a large one. */
    private static final Duration COPY_TIMEOUT = Duration.ofHours(12);

    private final PostgresSettings settings;
    private final CommandRunner runner;
    private final ConfigWriter config;
    private final DataDirectory dataDirectory;
    private final Postmaster postmaster;
    private final PostgresConnection connection;
    private final RoleChanges roles;
    private final AtomicReference<Optional<BaseBackupProgress>> copying = new AtomicReference<>(Optional.empty());

    Bootstrap(
            PostgresSettings settings,
            CommandRunner runner,
            ConfigWriter config,
            DataDirectory dataDirectory,
            Postmaster postmaster,
            PostgresConnection connection,
            RoleChanges roles) {
        this.settings = settings;
        this.runner = runner;
        this.config = config;
        this.dataDirectory = dataDirectory;
        this.postmaster = postmaster;
        this.connection = connection;
        this.roles = roles;
    }

    void initializeNewCluster() {
        String step = "initialize a new cluster";
        dataDirectory.requireEmpty(step);
        dataDirectory.prepare(step);
        log.info("Creating a new PostgreSQL cluster in {}", settings.dataDir());
        try (PasswordFile passwordFile = PasswordFile.plain(step, settings.superuserPassword(), settings.osUser())) {
            runner.runOrFail(
                    "initdb",
                    List.of(
                            settings.binary("initdb").toString(),
                            "-D",
                            settings.dataDir().toString(),
                            "--username=" + settings.superuser(),
                            "--pwfile=" + passwordFile.path(),
                            "--auth-local=peer",
                            "--auth-host=scram-sha-256",
                            "--encoding=UTF8"),
                    Map.of(),
                    INITDB_TIMEOUT);
        }
        config.markStandby(false);
        config.writeNodeConfiguration(Optional.empty());
        postmaster.start(step);
        roles.awaitRole(step, Role.PRIMARY, Postmaster.START_TIMEOUT);
        createReplicationRole(step);
    }

    private void createReplicationRole(String step) {
        connection.query(step + ": cannot create the replication role " + settings.replicationUser(), db -> {
            boolean exists;
            try (PreparedStatement query = db.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
                query.setString(1, settings.replicationUser());
                try (ResultSet rs = query.executeQuery()) {
                    exists = rs.next();
                }
            }
            try (Statement statement = db.createStatement()) {
                statement.execute(
                        (exists ? "ALTER ROLE " : "CREATE ROLE ") + settings.replicationUser() + " LOGIN REPLICATION");
            }
            // The driver hashes the password (SCRAM) before sending it, so it never reaches the server log.
            db.unwrap(PGConnection.class)
                    .alterUserPassword(
                            settings.replicationUser(),
                            settings.replicationPassword().toCharArray(),
                            "scram-sha-256");
            return null;
        });
    }

    void cloneFrom(Peer primary) {
        String step = "clone from " + primary.name() + " (" + primary.database() + ")";
        dataDirectory.requireEmpty(step);
        dataDirectory.prepare(step);
        log.info("Cloning {} from {}", settings.dataDir(), primary);
        BaseBackupProgress progress = new BaseBackupProgress(primary.name());
        copying.set(Optional.of(progress));
        try (PasswordFile pgpass = PasswordFile.pgpass(
                step, settings.replicationUser(), settings.replicationPassword(), settings.osUser())) {
            runner.runOrFail(
                    "pg_basebackup from " + primary.name(),
                    List.of(
                            settings.binary("pg_basebackup").toString(),
                            "-h",
                            primary.database().host(),
                            "-p",
                            Integer.toString(primary.database().port()),
                            "-U",
                            settings.replicationUser(),
                            "-D",
                            settings.dataDir().toString(),
                            "-X",
                            "stream",
                            "-c",
                            "fast",
                            "--progress",
                            "--no-password"),
                    pgpass.environment(),
                    COPY_TIMEOUT,
                    progress);
        } finally {
            copying.set(Optional.empty());
        }
        roles.startReplicaServer(step, Optional.of(primary));
    }

    /** How far the copy of the primary has come, while pg_basebackup runs. */
    Optional<Progress> activity() {
        return copying.get().flatMap(BaseBackupProgress::latest);
    }

    void reinitializeFrom(Peer primary) {
        String step = "reinitialize from " + primary.name();
        postmaster.stopForcefully(step);
        dataDirectory.moveAside(step);
        cloneFrom(primary);
    }
}
