package io.steward.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The admin HTTP API.
 *
 * @param bindAddress address to listen on
 * @param port port to listen on (0: any free port, for tests)
 * @param token bearer token for mutating endpoints ({@code admin.token} or {@code admin.token_file}), at least
 *        {@link #MIN_TOKEN_LENGTH} characters; without one, every mutation is refused. Never logged.
 * @param tls HTTPS instead of HTTP, with this certificate and key
 * @param requestTimeout how long a connection may take to deliver a complete request (TLS handshake, head and body)
 *        from when it was accepted or answered last; it is closed then
 * @param maxConnections how many connections may be open at once; more are closed as they arrive
 */
public record AdminConfig(
        String bindAddress,
        int port,
        Optional<String> token,
        Optional<Tls> tls,
        Duration requestTimeout,
        int maxConnections) {
    /** 32 characters: 128 bits from a generator of hex digits; a shorter token is refused at start. */
    public static final int MIN_TOKEN_LENGTH = 32;

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_CONNECTIONS = 512;

    /**
     * The certificate (PEM, the server's first, then any intermediates) and its unencrypted PKCS#8 key (PEM), read
     * when the API starts.
     */
    public record Tls(Path certFile, Path keyFile) {}

    /** Plain HTTP with the default limits. */
    public AdminConfig(String bindAddress, int port, Optional<String> token) {
        this(bindAddress, port, token, Optional.empty(), DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_CONNECTIONS);
    }

    @Override
    public String toString() {
        return "AdminConfig[bindAddress=" + bindAddress + ", port=" + port + ", token="
                + (token.isPresent() ? "***" : "none") + ", tls=" + tls + ", requestTimeout=" + requestTimeout
                + ", maxConnections=" + maxConnections + "]";
    }
}
