package io.steward.aws;

/** Route 53 could not be brought to the wanted records: an error it gave, too many retries, or no INSYNC in time. */
public class Route53PublishException extends RuntimeException {
    public Route53PublishException(String message, Throwable cause) {
        super(message, cause);
    }

    public Route53PublishException(String message) {
        super(message);
    }
}
