package io.steward.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.engine.EngineException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Plain REST to one Elasticsearch or OpenSearch node with the JDK's HTTP client and Jackson. The official clients
 * each refuse the other product (and the Elasticsearch 9 client every server older than 8), while the handful of
 * calls Steward makes answer alike on Elasticsearch 7/8/9 and OpenSearch 1/2/3.
 *
 * <p>Every failure is an {@link EngineException} that names the call and the node's own words
 * ({@code error.type: error.reason}), or that the node could not be reached at all.
 */
final class SearchRest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final Duration timeout;
    private final HttpClient client;
    /** The {@code Authorization} header's value; empty without credentials. */
    private final Optional<String> authorization;

    /** @param caCertificates the only authorities an https node's certificate may chain to; empty: the JDK's */
    SearchRest(
            URI base,
            Duration timeout,
            Optional<ElasticsearchSettings.Credentials> credentials,
            List<X509Certificate> caCertificates) {
        this.base = base;
        this.timeout = timeout;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout);
        if (!caCertificates.isEmpty()) {
            builder.sslContext(CaCertificates.trusting(caCertificates));
        }
        this.client = builder.build();
        this.authorization = credentials.map(c -> "Basic "
                + Base64.getEncoder()
                        .encodeToString((c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8)));
    }

    URI base() {
        return base;
    }

    JsonNode get(String path) {
        return send("GET", path, Optional.empty());
    }

    JsonNode put(String path, Object body) {
        return send("PUT", path, Optional.of(body));
    }

    JsonNode post(String path, Object body) {
        return send("POST", path, Optional.of(body));
    }

    JsonNode delete(String path) {
        return send("DELETE", path, Optional.empty());
    }

    /** Whether the node answers at all (any HTTP status), without waiting longer than the timeout. */
    boolean reachable() {
        try {
            client.send(request("GET", "/", Optional.empty()), HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private JsonNode send(String method, String path, Optional<Object> body) {
        String call = method + " " + base + path;
        HttpResponse<String> response;
        try {
            response = client.send(
                    request(method, path, body), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new EngineException(call + ": node unreachable (" + describe(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException(call + ": interrupted", e);
        }
        JsonNode answer = parse(response.body());
        if (response.statusCode() / 100 != 2) {
            throw new SearchRequestFailed(call, response.statusCode(), reason(answer, response.body()));
        }
        return answer;
    }

    private HttpRequest request(String method, String path, Optional<Object> body) {
        HttpRequest.BodyPublisher publisher = body.map(b -> {
                    try {
                        return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(b), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new IllegalArgumentException("cannot write " + b + " as JSON", e);
                    }
                })
                .orElse(HttpRequest.BodyPublishers.noBody());
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .method(method, publisher);
        authorization.ifPresent(value -> request.header("Authorization", value));
        return request.build();
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            // not JSON (a proxy's error page): the raw text goes into the error instead
            return JSON.createObjectNode();
        }
    }

    /** The node's own explanation: {@code error.type: error.reason} (root cause when there is one), else the raw text. */
    static String reason(JsonNode answer, String raw) {
        JsonNode error = answer.path("error");
        if (error.isObject()) {
            JsonNode root = error.path("root_cause").path(0);
            JsonNode detail = root.isObject() ? root : error;
            return detail.path("type").asText("error") + ": "
                    + detail.path("reason").asText("(no reason given)");
        }
        if (error.isTextual()) {
            return error.asText();
        }
        String text = raw == null ? "" : raw.strip();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    private static String describe(IOException e) {
        return e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** The node answered, with an error status. */
    static final class SearchRequestFailed extends EngineException {
        private final int status;

        SearchRequestFailed(String call, int status, String reason) {
            super(call + ": HTTP " + status + ", " + reason);
            this.status = status;
        }

        int status() {
            return status;
        }
    }
}
