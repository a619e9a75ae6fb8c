package io.steward.files;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The one way the agent replaces a file, in its own state directory as in a database's data directory, so that a
 * power cut leaves either the old file or the new one, whole: the content goes to a new hidden file beside it,
 * which is synced, then renamed over the file, and the directory is synced so that the rename itself survives.
 *
 * <p>Everything happens through the {@link HeldDirectory}'s descriptor: the hidden file is created exclusively
 * without following links and given to the directory's files' owner through its own descriptor, and an existing
 * file is only replaced when it is a regular file of that owner with one link (never a link, another user's file,
 * or a hard link to one), so that the write can neither be sent elsewhere nor copy anything.
 */
public final class DurableFileWriter {
    /** Files the agent writes hold settings and passwords: readable by their owner only. */
    static final int MODE = 0600;

    private static final int BUFFER_SIZE = 1 << 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private DurableFileWriter() {}

    static void replace(HeldDirectory directory, String name, byte[] content) throws IOException {
        replace(directory, name, new ByteArrayInputStream(content));
    }

    static void replace(HeldDirectory directory, String name, InputStream content) throws IOException {
        HeldDirectory.checkedName(name);
        Posix posix = directory.posix();
        int dir = directory.fd();
        requireReplaceable(directory, name);
        String temporary = "." + name + ".steward-" + HexFormat.of().formatHex(randomBytes());
        int file = posix.createExclusive(dir, temporary, MODE);
        boolean renamed = false;
        try {
            try {
                FileOwner owner = directory.filesOwner();
                posix.fchown(file, owner.uid(), owner.gid());
                posix.fchmod(file, MODE);
                byte[] buffer = new byte[BUFFER_SIZE];
                int read;
                while ((read = content.readNBytes(buffer, 0, buffer.length)) > 0) {
                    posix.write(file, buffer, read);
                }
                posix.fsync(file);
            } finally {
                posix.close(file);
            }
            // checked again just before the rename: what is there now is what would be replaced
            requireReplaceable(directory, name);
            posix.rename(dir, temporary, name, false);
            renamed = true;
            posix.fsync(dir);
        } finally {
            if (!renamed) {
                deleteQuietly(posix, dir, temporary);
            }
        }
    }

    /** Absent, or a regular file of the directory's files' owner with one link. */
    private static void requireReplaceable(HeldDirectory directory, String name) throws IOException {
        Optional<FileStat> existing = directory.posix().statEntry(directory.fd(), name);
        if (existing.isPresent()) {
            directory.requireOwnedRegularFile(name, existing.get());
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static void deleteQuietly(Posix posix, int dir, String name) {
        try {
            posix.unlink(dir, name);
        } catch (IOException ignored) {
            // the failure that matters is already on its way; a hidden leftover is harmless
        }
    }
}
