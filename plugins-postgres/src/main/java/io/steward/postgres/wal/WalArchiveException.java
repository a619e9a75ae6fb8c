package io.steward.postgres.wal;

/** A push or fetch that did not happen; the message names the file, the bucket and the key. */
public class WalArchiveException extends Exception {
    public WalArchiveException(String message) {
        super(message);
    }

    public WalArchiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
