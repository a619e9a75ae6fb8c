package io.steward.postgres.wal;

/** How a push ended when it succeeded; every failure is a {@link WalArchiveException}. */
public sealed interface PushResult {
    String key();

    /**
     * The file was uploaded, and S3 acknowledged it.
     *
     * @param size the file's length
     * @param storedSize the object's length after compression
     */
    record Uploaded(String key, long size, long storedSize) implements PushResult {}

    /** The object was already there with the same SHA-256 (an earlier push whose success PostgreSQL never heard). */
    record AlreadyArchived(String key) implements PushResult {}
}
