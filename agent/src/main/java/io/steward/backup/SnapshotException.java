package io.steward.backup;

/** A snapshot set could not be taken, restored or purged; the message names the set and the step. */
public class SnapshotException extends RuntimeException {
    public SnapshotException(String message) {
        super(message);
    }

    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
