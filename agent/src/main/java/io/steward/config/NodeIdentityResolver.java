package io.steward.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.retry.backoff.BackoffStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.imds.Ec2MetadataClient;
import software.amazon.awssdk.imds.Ec2MetadataClientException;

/**
 * Asks the EC2 instance metadata service (IMDSv2, session tokens) who this node is.
 *
 * <p>Timeouts are short and there is at most one retry: off EC2 the agent must find out quickly that there is no
 * IMDS, and on EC2 IMDS answers in milliseconds.
 */
public final class NodeIdentityResolver implements AutoCloseable {

    /** What IMDS said; every part is optional because an old or restricted IMDS may lack some paths. */
    public record NodeIdentity(
            Optional<String> instanceId,
            Optional<String> availabilityZone,
            Optional<String> region,
            Optional<String> localIpv4,
            Optional<String> localHostname) {
        public static final NodeIdentity UNKNOWN = new NodeIdentity(
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** IMDS did not answer at all: not on EC2, blocked by the instance's metadata options, or a wrong endpoint. */
    public static final class ImdsUnavailableException extends RuntimeException {
        ImdsUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final URI endpoint;
    private final Ec2MetadataClient client;

    @SuppressWarnings("deprecation") // the IMDS retry policy still takes only the old BackoffStrategy type
    public NodeIdentityResolver(URI endpoint, Duration timeout) {
        this.endpoint = endpoint;
        this.client = Ec2MetadataClient.builder()
                .endpoint(endpoint)
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(timeout)
                        .socketTimeout(timeout))
                .retryPolicy(retry -> retry.numRetries(1).backoffStrategy(BackoffStrategy.none()))
                .build();
    }

    /** @throws ImdsUnavailableException when IMDS does not answer */
    public NodeIdentity identity() {
        return new NodeIdentity(
                get("/latest/meta-data/instance-id"),
                get("/latest/meta-data/placement/availability-zone"),
                get("/latest/meta-data/placement/region"),
                get("/latest/meta-data/local-ipv4"),
                get("/latest/meta-data/local-hostname"));
    }

    /**
     * The instance's user data, empty when the instance has none.
     *
     * @throws ImdsUnavailableException when IMDS does not answer
     */
    public Optional<String> userData() {
        return get("/latest/user-data");
    }

    private Optional<String> get(String path) {
        try {
            String text = client.get(path).asString().trim();
            return text.isEmpty() ? Optional.empty() : Optional.of(text);
        } catch (Ec2MetadataClientException e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new ImdsUnavailableException(
                    "IMDS at " + endpoint + " answered " + path + " with HTTP " + e.statusCode(), e);
        } catch (SdkClientException e) {
            throw new ImdsUnavailableException("IMDS at " + endpoint + " did not answer (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
