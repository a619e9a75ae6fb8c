package io.steward.backup;

import io.steward.config.WalArchiveConfig.Compression;
import net.jpountz.lz4.LZ4Exception;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The two halves of every archived object's trip, shared by the WAL and dump archives: compressing a file for upload
 * while its SHA-256 and size are taken, and restoring it so that the target appears only whole and verified.
 */
final class VerifiedTransfer {
    private static final int BUFFER_SIZE = 1 << 16;

    /** The object's content is not what was archived; the message says how it differs. */
    static final class DamagedObjectException extends Exception {
        DamagedObjectException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private VerifiedTransfer() {
    }

    /** Reads {@code file} once: compressed into {@code staged} while its SHA-256 and length are taken. */
    static ArchivedObjectMetadata compress(Path file, Path staged, Compression compression) throws IOException {
        MessageDigest sha256 = sha256();
        long size;
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256);
             OutputStream out = CompressionStreams.compressing(compression, Files.newOutputStream(staged))) {
            size = in.transferTo(out);
        }
        return new ArchivedObjectMetadata(compression, HexFormat.of().formatHex(sha256.digest()), size);
    }

    /**
     * Decompresses {@code object} into a hidden file beside {@code target} (owned like the target's directory, since
     * the agent restores as root on the database's behalf), checks it, makes it durable, then renames it: the target
     * either does not appear or appears whole and verified.
     *
     * @param label names the hidden file while it is being written
     */
    static void restore(InputStream object, ArchivedObjectMetadata metadata, Path target, String label)
            throws IOException, DamagedObjectException {
        Path directory = target.getParent();
        Path temp = Files.createTempFile(directory, "." + label + ".", ".fetching");
        try {
            PosixFileAttributes folder = Files.readAttributes(directory, PosixFileAttributes.class);
            PosixFileAttributeView file = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
            file.setOwner(folder.owner());
            file.setGroup(folder.group());
            MessageDigest sha256 = sha256();
            long size;
            try (FileOutputStream out = new FileOutputStream(temp.toFile());
                 InputStream in = CompressionStreams.decompressing(metadata.compression(), object)) {
                size = copyAtMost(in, new DigestOutputStream(out, sha256), metadata.size());
                out.getFD().sync();
            } catch (LZ4Exception e) {
                throw new DamagedObjectException("its content does not decompress as lz4 (" + e.getMessage()
                        + "); the object was damaged or changed", e);
            }
            String actual = HexFormat.of().formatHex(sha256.digest());
            if (size != metadata.size() || !actual.equals(metadata.sha256())) {
                throw new DamagedObjectException("the content has SHA-256 " + actual + " and " + size + " bytes, but was "
                        + "archived with SHA-256 " + metadata.sha256() + " and " + metadata.size() + " bytes; the object "
                        + "was damaged or changed", null);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            // the rename itself must survive a crash too, or the file could be gone after a restart
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                dir.force(true);
            }
        } finally {
            deleteQuietly(temp);
        }
    }

    /** Stops at one byte past the recorded size, so that a damaged or hostile object cannot fill the disk. */
    private static long copyAtMost(InputStream in, OutputStream out, long limit) throws IOException, DamagedObjectException {
        byte[] buffer = new byte[BUFFER_SIZE];
        long total = 0;
        int read;
        while ((read = in.read(buffer)) >= 0) {
            total += read;
            if (total > limit) {
                throw new DamagedObjectException("it decompresses to more than the " + limit + " bytes it was archived "
                        + "with; the object was damaged or changed", null);
            }
            out.write(buffer, 0, read);
        }
        out.flush();
        return total;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // a leftover temporary file is harmless; the outcome that matters was already decided
        }
    }
}
