package io.steward.coordination;

/** ZooKeeper could not be reached or refused an operation. */
public class CoordinationException extends RuntimeException {
    public CoordinationException(String message) {
        super(message);
    }

    public CoordinationException(String message, Throwable cause) {
        super(message, cause);
    }
}
