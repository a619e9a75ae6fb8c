package io.steward.engine;

import java.io.IOException;
import java.io.InputStream;

/**
 * A finished dump of the server's whole dataset, handed to the core for upload, already open. The agent runs as root
 * and the dump is the database user's file: the engine opens it through its data directory held open and checks it
 * there (see {@link io.steward.files.HeldDirectory}), and the core reads that descriptor and opens nothing by name.
 * A later dump that the server renames over the same name does not change what is read.
 *
 * @param content the dump's bytes; the core closes it after the upload
 * @param size the dump's length in bytes
 * @param format the file type, used in the dump's name (e.g. {@code rdb})
 */
public record DumpFile(InputStream content, long size, String format) implements AutoCloseable {
    @Override
    public void close() throws IOException {
        content.close();
    }
}
