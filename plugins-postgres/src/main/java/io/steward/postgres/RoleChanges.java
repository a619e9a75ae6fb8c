package io.steward.postgres;

import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.Peer;
import io.steward.engine.Role;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the server the role the core asks for: starts it as the primary or as a replica (rewinding a history that
 * forked first), repoints a running replica, promotes one. Each returns once the server has the role, or throws.
 */
final class RoleChanges {
    private static final Logger log = LoggerFactory.getLogger(RoleChanges.class);
    private static final Duration PROMOTE_TIMEOUT = Duration.ofSeconds(60);

    private final ConfigWriter config;
    private final DataDirectory dataDirectory;
    private final Postmaster postmaster;
    private final StatusProbe status;
    private final PostgresConnection connection;
    private final Rewind rewind;

    RoleChanges(
            ConfigWriter config,
            DataDirectory dataDirectory,
            Postmaster postmaster,
            StatusProbe status,
            PostgresConnection connection,
            Rewind rewind) {
        this.config = config;
        this.dataDirectory = dataDirectory;
        this.postmaster = postmaster;
        this.status = status;
        this.connection = connection;
        this.rewind = rewind;
    }

    void startAsPrimary() {
        String step = "start as primary";
        EngineStatus now = settle(step);
        if (now.role() == Role.PRIMARY) {
            return;
        }
        if (now.role() == Role.REPLICA) {
            throw new EngineException(step + ": the server is running as a replica; promote it instead");
        }
        dataDirectory.requireValid(step, now);
        config.markStandby(false);
        config.writeNodeConfiguration(Optional.empty());
        postmaster.start(step);
        awaitRole(step, Role.PRIMARY, Postmaster.START_TIMEOUT);
    }

    void startAsReplica(Optional<Peer> primary) {
        String step = "start as replica" + primary.map(p -> " of " + p.name()).orElse(" without a primary");
        EngineStatus now = settle(step);
        if (now.role() == Role.REPLICA) {
            if (primary.isPresent()) {
                follow(primary.get());
            } else {
                repoint(step, Optional.empty());
            }
            return;
        }
        if (now.role() == Role.PRIMARY) {
            postmaster.stop();
            now = status.probe();
        }
        dataDirectory.requireValid(step, now);
        if (primary.isPresent() && rewind.mayHaveDiverged(primary.get())) {
            rewind.rewind(primary.get());
        }
        startReplicaServer(step, primary);
    }

    /** Writes this node's configuration for a replica of {@code primary} and starts it in recovery. */
    void startReplicaServer(String step, Optional<Peer> primary) {
        config.dropCopiedSynchronousStandbys();
        config.writeNodeConfiguration(primary);
        config.markStandby(true);
        postmaster.start(step);
        awaitRole(step, Role.REPLICA, Postmaster.START_TIMEOUT);
    }

    void follow(Peer primary) {
        String step = "follow " + primary.name();
        EngineStatus now = settle(step);
        switch (now.role()) {
            case STOPPED -> startAsReplica(Optional.of(primary));
            case PRIMARY -> {
                log.info("{}: demoting the running primary", step);
                postmaster.stop();
                startAsReplica(Optional.of(primary));
            }
            case REPLICA -> {
                Optional<Rewind.WalPosition> primaryPosition = rewind.primaryPosition(primary);
                if (primaryPosition
                        .filter(position -> Rewind.mustRestartToFollow(now, position))
                        .isPresent()) {
                    log.info(
                            "{}: local timeline {} position {} vs primary's {}: restarting to rewind if needed",
                            step,
                            now.timeline(),
                            now.position(),
                            primaryPosition.get());
                    postmaster.stop();
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
        connection.reloadConfiguration(step);
    }

    void promote() {
        String step = "promote";
        EngineStatus now = status.probe();
        if (now.role() == Role.PRIMARY) {
            return;
        }
        if (now.role() == Role.STOPPED) {
            throw new EngineException(step + ": the server is not running"
                    + now.problem().map(p -> " (" + p + ")").orElse(""));
        }
        // pg_promote waits up to 60 s: longer than the probe's socket timeout.
        String promote = "SELECT pg_promote(true, " + PROMOTE_TIMEOUT.toSeconds() + ")";
        boolean promoted =
                connection.queryWaiting(step + ": pg_promote failed", PROMOTE_TIMEOUT.plusSeconds(30), db -> {
                    try (Statement statement = db.createStatement();
                            ResultSet rs = statement.executeQuery(promote)) {
                        rs.next();
                        return rs.getBoolean(1);
                    }
                });
        if (!promoted) {
            throw new EngineException(
                    step + ": the server did not finish promotion within " + PROMOTE_TIMEOUT.toSeconds() + "s");
        }
        awaitRole(step, Role.PRIMARY, PROMOTE_TIMEOUT);
    }

    /** Called once the server was started: a server that has stopped since will not get there by waiting. */
    void awaitRole(String step, Role role, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        EngineStatus now = status.probe();
        while (now.role() != role) {
            if (now.role() == Role.STOPPED && !postmaster.alive()) {
                throw new EngineException(step + ": the server stopped while starting as " + role
                        + now.problem().map(p -> " (" + p + ")").orElse("") + "; server log: "
                        + postmaster.serverLogTail());
            }
            if (System.nanoTime() > deadline) {
                throw new EngineException(step + ": the server is " + now.role() + " instead of " + role
                        + " after " + timeout.toSeconds() + "s"
                        + now.problem().map(p -> " (" + p + ")").orElse("")
                        + "; server log: " + postmaster.serverLogTail());
            }
            Polling.sleep(Polling.INTERVAL);
            now = status.probe();
        }
    }

    /**
     * Waits for a postmaster that is starting (crash recovery) or stopping to finish doing so, then probes.
     * The result is a running server or a stopped one with no postmaster left.
     */
    private EngineStatus settle(String step) {
        Polling.waitUntil(
                step + ": wait for the starting or stopping server to settle",
                Postmaster.START_TIMEOUT,
                () -> status.probe().running() || !postmaster.alive());
        return status.probe();
    }
}
