package io.steward.storage;

/** A volume or filesystem operation failed; the message names the path or device. */
public class StorageException extends RuntimeException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
