package io.steward.config;

import java.util.Optional;

/**
 * The admin HTTP API.
 *
 * @param bindAddress address to listen on
 * @param port port to listen on (0: any free port, for tests)
 * @param token bearer token for mutating endpoints ({@code admin.token} or {@code admin.token_file}), at least
 *        {@link #MIN_TOKEN_LENGTH} characters; without one, every mutation is refused. Never logged.
 */
public record AdminConfig(String bindAddress, int port, Optional<String> token) {
    /** 32 characters: 128 bits from a generator of hex digits; a shorter token is refused at start. */
    public static final int MIN_TOKEN_LENGTH = 32;

    @Override
    public String toString() {
        return "AdminConfig[bindAddress=" + bindAddress + ", port=" + port + ", token=" + (token.isPresent() ? "***" : "none") + "]";
    }
}
