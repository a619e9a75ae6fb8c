package io.steward.postgres;

import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.Role;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * An operator's restart or reload of the server ({@link io.steward.engine.Restartable}): a restart keeps the role and
 * the configuration files as they are (a primary comes back as the primary, a replica streams from the same source),
 * so that it only applies settings that wait for one, as {@code pg_settings.pending_restart} lists them.
 */
final class ServerRestarts {
    private static final String PENDING = "SELECT name FROM pg_settings WHERE pending_restart ORDER BY name";

    private final Postmaster postmaster;
    private final StatusProbe status;
    private final PostgresConnection connection;
    private final RoleChanges roles;

    ServerRestarts(Postmaster postmaster, StatusProbe status, PostgresConnection connection, RoleChanges roles) {
        this.postmaster = postmaster;
        this.status = status;
        this.connection = connection;
        this.roles = roles;
    }

    /** A fast shutdown (a primary's replicas receive everything it wrote first), then a start in the same role. */
    void restart() {
        String step = "restart";
        EngineStatus before = status.probe();
        if (!before.running()) {
            throw new EngineException(step + ": the server is not running"
                    + before.problem().map(p -> " (" + p + ")").orElse(""));
        }
        Role role = before.role();
        postmaster.stop();
        postmaster.start(step);
        roles.awaitRole(step, role, Postmaster.START_TIMEOUT);
    }

    /** {@code pg_reload_conf()}: the server rereads postgresql.conf and pg_hba.conf, asynchronously. */
    void reload() {
        connection.reloadConfiguration("reload");
    }

    List<String> settingsPendingRestart() {
        return connection.query("read pg_settings.pending_restart", db -> {
            List<String> names = new ArrayList<>();
            try (Statement statement = db.createStatement();
                    ResultSet rs = statement.executeQuery(PENDING)) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            return names;
        });
    }
}
