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

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
