package io.steward.config;

import java.util.Optional;

/**
 * The admin HTTP API.
 *
 * @param bindAddress address to listen on
 * @param port port to listen on (0: any free port, for tests)
 * @param token bearer token for mutating endpoints; without one, every mutation is refused. Never logged.
 */
public record AdminConfig(String bindAddress, int port, Optional<String> token) {
    @Override
    public String toString() {
        return "AdminConfig[bindAddress=" + bindAddress + ", port=" + port + ", token=" + (token.isPresent() ? "***" : "none") + "]";
    }
}
