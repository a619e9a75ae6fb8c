package io.steward.postgres.wal;

/** How a fetch ended when it did not fail; every failure is a {@link WalArchiveException}. */
public sealed interface FetchResult {
    String key();

    /** The file is at the destination, its SHA-256 and size verified. */
    record Restored(String key, long size) implements FetchResult {}

    /**
     * The archive has no such file. For PostgreSQL this is normal (it asks for the next segment and for history
     * files until one is missing), so it is a result, not an error.
     */
    record NotFound(String bucket, String key) implements FetchResult {}
}
