package io.steward.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;

/**
 * The agent's connections to its redis-server: one shared connection for the engine's commands, opened again after
 * it broke, and connections of their own for whoever must not wait behind it (the fence).
 */
final class RedisConnection implements AutoCloseable {
    private final RedisSettings settings;
    private final Object connectionLock = new Object();
    private final Object clientLock = new Object();
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    RedisConnection(RedisSettings settings) {
        this.settings = settings;
    }

    /** The shared connection's commands; it is opened first when there is none. */
    RedisCommands<String, String> commands() {
        synchronized (connectionLock) {
            if (connection == null || !connection.isOpen()) {
                connection = client().connect(uri(settings.connectTimeout()));
            }
            return connection.sync();
        }
    }

    /** A connection of its own, with its own command timeout; the caller closes it. */
    StatefulRedisConnection<String, String> connectAlone(Duration timeout) {
        return client().connect(uri(timeout));
    }

    /** Drops the shared connection (a server stopping or not yet listening): the next command opens a new one. */
    void reset() {
        synchronized (connectionLock) {
            if (connection != null) {
                connection.closeAsync();
                connection = null;
            }
        }
    }

    private RedisClient client() {
        synchronized (clientLock) {
            if (client == null) {
                client = RedisClient.create();
                // No reconnecting in the background: a probe must see a dead server as dead, not wait for it.
                client.setOptions(ClientOptions.builder()
                        .autoReconnect(false)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .socketOptions(SocketOptions.builder()
                                .connectTimeout(settings.connectTimeout())
                                .build())
                        .build());
            }
            return client;
        }
    }

    private RedisURI uri(Duration timeout) {
        RedisURI.Builder builder = RedisURI.builder()
                .withHost(settings.localConnectHost())
                .withPort(settings.port())
                .withTimeout(timeout);
        settings.password().ifPresent(password -> builder.withPassword(password.toCharArray()));
        return builder.build();
    }

    /** Lettuce reports a failed connection as "Unable to connect to host:port"; the reason is in its cause. */
    static String message(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null
                && cause.getMessage() != null
                && cause.getMessage().startsWith("Unable to connect")) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    @Override
    public void close() {
        reset();
        synchronized (clientLock) {
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                client = null;
            }
        }
    }
}
