package io.steward.backup;

/** A dump could not be taken, listed, fetched or purged; the message names the dump, the place and the step. */
public class DumpException extends RuntimeException {
    public DumpException(String message) {
        super(message);
    }

    public DumpException(String message, Throwable cause) {
        super(message, cause);
    }
}
