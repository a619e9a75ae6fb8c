package io.steward.engine;

import java.util.Objects;

/** Where a database server accepts connections. */
public record Endpoint(String host, int port) {
    public Endpoint {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, was " + port);
        }
    }

    /** The address a local client uses to reach a server listening on {@code listenAddress}: a wildcard means loopback. */
    public static String localConnectHost(String listenAddress) {
        return switch (listenAddress) {
            case "*", "0.0.0.0" -> "127.0.0.1";
            case "::" -> "::1";
            default -> listenAddress;
        };
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
