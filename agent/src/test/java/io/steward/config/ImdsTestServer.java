package io.steward.config;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The EC2 instance metadata service, IMDSv2 only (as on instances with {@code HttpTokens=required}), on a loopback
 * port: {@code PUT /latest/api/token} with a TTL header gives a session token; every {@code GET} needs that token
 * and is refused with 401 without it; unknown paths are 404, as is {@code /latest/user-data} when there is none.
 */
final class ImdsTestServer implements AutoCloseable {
    private static final String TOKEN = "X-aws-ec2-metadata-token";
    private static final String TTL = "X-aws-ec2-metadata-token-ttl-seconds";

    private final HttpServer server;
    private final Map<String, String> metadata = new ConcurrentHashMap<>();
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private final AtomicInteger unauthorized = new AtomicInteger();
    private volatile Optional<String> userData = Optional.empty();

    ImdsTestServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** An instance in eu-west-1a. */
    static ImdsTestServer ec2Instance() throws IOException {
        ImdsTestServer imds = new ImdsTestServer();
        imds.put("instance-id", "i-0123456789abcdef0");
        imds.put("placement/availability-zone", "eu-west-1a");
        imds.put("placement/region", "eu-west-1");
        imds.put("local-ipv4", "10.0.3.17");
        imds.put("local-hostname", "ip-10-0-3-17.eu-west-1.compute.internal");
        return imds;
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void put(String metadataPath, String value) {
        metadata.put(metadataPath, value);
    }

    void userData(String text) {
        userData = Optional.of(text);
    }

    int tokensIssued() {
        return tokensIssued.get();
    }

    int unauthorized() {
        return unauthorized.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/latest/api/token")) {
                issueToken(exchange, method);
                return;
            }
            if (!method.equals("GET")) {
                send(exchange, 405, "");
                return;
            }
            String token = exchange.getRequestHeaders().getFirst(TOKEN);
            if (token == null || !tokens.contains(token)) {
                unauthorized.incrementAndGet();
                send(exchange, 401, "");
                return;
            }
            Optional<String> body = path.equals("/latest/user-data")
                    ? userData
                    : path.startsWith("/latest/meta-data/")
                            ? Optional.ofNullable(metadata.get(path.substring("/latest/meta-data/".length())))
                            : Optional.empty();
            if (body.isPresent()) {
                send(exchange, 200, body.get());
            } else {
                send(exchange, 404, "");
            }
        }
    }

    private void issueToken(HttpExchange exchange, String method) throws IOException {
        if (!method.equals("PUT")) {
            send(exchange, 405, "");
            return;
        }
        // IMDS refuses token requests that went through a proxy
        if (exchange.getRequestHeaders().containsKey("X-Forwarded-For")) {
            send(exchange, 403, "");
            return;
        }
        String ttl = exchange.getRequestHeaders().getFirst(TTL);
        int seconds;
        try {
            seconds = ttl == null ? -1 : Integer.parseInt(ttl.trim());
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 1 || seconds > 21600) {
            send(exchange, 400, "");
            return;
        }
        String token = UUID.randomUUID().toString();
        tokens.add(token);
        tokensIssued.incrementAndGet();
        exchange.getResponseHeaders().add(TTL, Integer.toString(seconds));
        send(exchange, 200, token);
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
