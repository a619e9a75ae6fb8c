package io.steward.it;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A benchmark's own look at redis-servers and sentinels on 127.0.0.1, through one Lettuce client (one event loop for
 * every poll, rather than one per poll): a connection per question, so a killed server is only an exception.
 */
final class RedisAdmin implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private final RedisClient client = RedisClient.create();
    private final String password;

    RedisAdmin(String password) {
        this.password = password;
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .socketOptions(SocketOptions.builder().connectTimeout(TIMEOUT).build())
                .build());
    }

    /** The {@code field:value} lines of {@code INFO section} of the server on {@code port}. */
    Map<String, String> info(int port, String section) {
        try (StatefulRedisConnection<String, String> connection =
                client.connect(uri(port).withPassword(password.toCharArray()).build())) {
            Map<String, String> fields = new HashMap<>();
            connection
                    .sync()
                    .info(section)
                    .lines()
                    .filter(line -> line.indexOf(':') > 0 && !line.startsWith("#"))
                    .forEach(line ->
                            fields.put(line.substring(0, line.indexOf(':')), line.substring(line.indexOf(':') + 1)));
            return fields;
        }
    }

    /** {@code SENTINEL MASTER name} as the sentinel on {@code port} sees it: ip, port, flags, num-other-sentinels... */
    Map<String, String> sentinelMaster(int port, String name) {
        return onSentinel(port, sentinel -> sentinel.master(name));
    }

    /** {@code SENTINEL REPLICAS name}: per replica its ip, port, flags, master-link-status... */
    List<Map<String, String>> sentinelReplicas(int port, String name) {
        return onSentinel(port, sentinel -> sentinel.replicas(name));
    }

    private <T> T onSentinel(int port, Function<RedisSentinelCommands<String, String>, T> question) {
        try (StatefulRedisSentinelConnection<String, String> connection =
                client.connectSentinel(uri(port).build())) {
            return question.apply(connection.sync());
        }
    }

    private static RedisURI.Builder uri(int port) {
        return RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(TIMEOUT);
    }

    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
