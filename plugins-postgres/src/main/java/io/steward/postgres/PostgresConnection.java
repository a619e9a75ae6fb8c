package io.steward.postgres;

import io.steward.engine.EngineException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The agent's JDBC connections: the one it keeps to the local server, opened on first use and again after a failure,
 * and short-lived ones to other members. Every use of the kept connection holds its lock, so that a probe and an
 * action of another thread do not interleave their statements.
 */
final class PostgresConnection implements AutoCloseable {
    private static final Executor DIRECT_EXECUTOR = Runnable::run;

    /** Work on a connection. */
    @FunctionalInterface
    interface SqlWork<T> {
        T apply(Connection db) throws SQLException;
    }

    private final PostgresSettings settings;
    private final Object lock = new Object();
    private Connection kept;

    PostgresConnection(PostgresSettings settings) {
        this.settings = settings;
    }

    /**
     * Runs {@code work} on the kept connection; a failure closes it and is thrown as {@code failure: <why>}.
     */
    <T> T query(String failure, SqlWork<T> work) {
        synchronized (lock) {
            try {
                return work.apply(kept());
            } catch (SQLException e) {
                closeKept();
                throw new EngineException(failure + ": " + e.getMessage(), e);
            }
        }
    }

    /** {@link #query} for a statement that may take up to {@code wait}, longer than the usual socket timeout. */
    <T> T queryWaiting(String failure, Duration wait, SqlWork<T> work) {
        return query(failure, db -> {
            db.setNetworkTimeout(DIRECT_EXECUTOR, (int) wait.toMillis());
            T result = work.apply(db);
            db.setNetworkTimeout(DIRECT_EXECUTOR, (int) socketTimeout().toMillis());
            return result;
        });
    }

    /**
     * Runs {@code work} on the kept connection, once more on a fresh one if the kept one fails (it may have died with
     * an earlier server run); the last failure is thrown.
     */
    <T> T queryRetryingOnce(SqlWork<T> work) throws SQLException {
        synchronized (lock) {
            boolean reusing = kept != null;
            try {
                return work.apply(kept());
            } catch (SQLException first) {
                closeKept();
                if (!reusing) {
                    throw first;
                }
            }
            try {
                return work.apply(kept());
            } catch (SQLException second) {
                closeKept();
                throw second;
            }
        }
    }

    /**
     * Runs {@code work} only on a kept connection that is open already, so that a health check never waits for a
     * server that is down; empty when there is none or the work fails.
     */
    <T> Optional<T> queryIfOpen(SqlWork<T> work) {
        synchronized (lock) {
            if (kept == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(work.apply(kept));
            } catch (SQLException e) {
                return Optional.empty();
            }
        }
    }

    /** Runs one statement on the kept connection; a failure is thrown as {@code step failed: <why>}. */
    void execute(String step, String sql) {
        query(step + " failed", db -> {
            try (Statement statement = db.createStatement()) {
                return statement.execute(sql);
            }
        });
    }

    /** The server's current value of a setting. */
    String currentSetting(String step, String name) {
        return query(step + ": cannot read " + name, db -> {
            try (PreparedStatement statement = db.prepareStatement("SELECT current_setting(?)")) {
                statement.setString(1, name);
                try (ResultSet rs = statement.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
    }

    /** Asks the server to reread its configuration; it does so asynchronously. */
    void reloadConfiguration(String step) {
        execute(step + ": reload the configuration", "SELECT pg_reload_conf()");
    }

    /** A new connection, as the superuser, to the server at {@code host:port}; the caller closes it. */
    Connection connect(String host, int port) throws SQLException {
        return connect(host, port, socketTimeout());
    }

    Connection connect(String host, int port, Duration socketTimeout) throws SQLException {
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

    /** Five connect timeouts, and at least 10 s. */
    private Duration socketTimeout() {
        Duration fiveConnects = settings.connectTimeout().multipliedBy(5);
        return fiveConnects.compareTo(Duration.ofSeconds(10)) > 0 ? fiveConnects : Duration.ofSeconds(10);
    }

    private Connection kept() throws SQLException {
        if (kept == null) {
            kept = connect(settings.localConnectHost(), settings.port());
        }
        return kept;
    }

    private void closeKept() {
        if (kept != null) {
            try {
                kept.close();
            } catch (SQLException ignored) {
                // Already broken: nothing left to release.
            }
            kept = null;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closeKept();
        }
    }
}
