package io.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.config.PemFiles;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Talks to a running agent's admin API on behalf of the CLI. */
final class AdminClient {
    // Short: the agent answers from memory, so a slow answer means a sick or unreachable agent, and an operator
    // in the middle of an incident needs to hear that quickly.
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final URI api;
    private final Optional<String> token;
    private final Optional<SSLContext> tls;
    private final ObjectMapper json;
    private final HttpClient http;

    /** The agent's answer: its status and body. */
    record Response(int status, String body) {
        boolean successful() {
            return status / 100 == 2;
        }
    }

    /** The agent did not answer: refused, timed out, or the connection broke. */
    static final class AgentUnreachable extends Exception {
        AgentUnreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** @param tls what an https:// API is trusted with; the JDK's default (its public CAs) when empty */
    AdminClient(URI api, Optional<String> token, Optional<SSLContext> tls, ObjectMapper json) {
        this.api = api;
        this.token = token;
        this.tls = tls;
        this.json = json;
        HttpClient.Builder builder =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT);
        tls.ifPresent(builder::sslContext);
        this.http = builder.build();
    }

    /**
     * A TLS context that trusts the CA certificates in {@code pemFile} and nothing else (an agent's certificate is
     * signed by the operator's own CA, not a public one).
     *
     * @throws IllegalArgumentException naming the file when it holds no usable certificate
     */
    static SSLContext trusting(Path pemFile) {
        try {
            List<X509Certificate> certificates = PemFiles.certificates(pemFile);
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                trusted.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cacert " + pemFile + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(
                    "--cacert " + pemFile + ": cannot trust its certificates: " + e.getMessage(), e);
        }
    }

    /** A client of another agent's API (another member's), with the same token and trust. */
    AdminClient at(URI otherApi) {
        return new AdminClient(otherApi, token, tls, json);
    }

    /** The API it talks to. */
    URI api() {
        return api;
    }

    Response get(String path) throws AgentUnreachable {
        return send(request(path).GET());
    }

    Response post(String path, Object body) throws AgentUnreachable {
        return post(path, body, REQUEST_TIMEOUT);
    }

    /** For a request the agent carries out before answering, e.g. a snapshot set. */
    Response post(String path, Object body, Duration timeout) throws AgentUnreachable {
        HttpRequest.Builder request = request(path)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(write(body)));
        token.ifPresent(value -> request.header("Authorization", "Bearer " + value));
        return send(request);
    }

    /** What the agent said went wrong: its {@code error} field, else the raw body, else the status. */
    String errorMessage(Response response) {
        try {
            JsonNode error = json.readTree(response.body()).path("error");
            if (error.isTextual()) {
                return error.textValue();
            }
        } catch (IOException e) {
            // Not JSON (a proxy's error page, say): show it as it is.
        }
        return response.body().isBlank()
                ? "HTTP " + response.status()
                : response.body().strip();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(api.resolve(path)).timeout(REQUEST_TIMEOUT);
    }

    private Response send(HttpRequest.Builder request) throws AgentUnreachable {
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new AgentUnreachable("cannot reach the agent at " + api + ": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentUnreachable("interrupted while waiting for the agent at " + api, e);
        }
    }

    /** The JDK's messages for these are often null or name only the exception class. */
    private static String describe(IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "no connection within " + CONNECT_TIMEOUT.toSeconds() + "s";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + REQUEST_TIMEOUT.toSeconds() + "s";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the request as JSON", e);
        }
    }
}
