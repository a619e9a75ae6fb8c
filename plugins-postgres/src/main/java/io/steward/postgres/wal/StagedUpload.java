package io.steward.postgres.wal;

import io.steward.store.ArchivedObjectMetadata;
import io.steward.store.VerifiedTransfer;
import java.nio.file.Path;

/**
 * A WAL file's content compressed into a private temporary file of the agent's, with the SHA-256 and size of what
 * was read: ready for upload. Closing it deletes the file.
 */
record StagedUpload(WalFileName name, Path file, ArchivedObjectMetadata metadata) implements AutoCloseable {
    @Override
    public void close() {
        VerifiedTransfer.deleteQuietly(file);
    }
}
