package io.steward.engine;

import java.nio.file.Path;

/**
 * A finished dump of the server's whole dataset, handed to the core for upload.
 *
 * @param path a file that nothing changes any more (a copy or hard link of the server's dump, not the live file);
 *        the core deletes it after the upload
 * @param format the file type, used in the dump's name (e.g. {@code rdb})
 */
public record DumpFile(Path path, String format) {
}
