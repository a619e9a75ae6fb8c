package io.steward.store;

import io.steward.files.HeldDirectory;
import io.steward.store.BackupStoreConfig.Compression;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The two halves of every archived object's trip, shared by every archive in the store: compressing content for
 * upload while its SHA-256 and size are taken, and restoring it so that the target appears only whole and verified.
 */
public final class VerifiedTransfer {
    private static final int TRANSFER_BUFFER_SIZE = 1 << 18;

    /** The object's content is not what was archived; the message says how it differs. */
    public static final class DamagedObjectException extends IOException {
        DamagedObjectException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private VerifiedTransfer() {}

    /**
     * Reads {@code content} once: compressed into {@code staged} while its SHA-256 and length are taken. The content
     * stays open: its owner may still have questions for it (e.g. whether the file changed while it was read).
     */
    public static ArchivedObjectMetadata compress(InputStream content, Path staged, Compression compression)
            throws IOException {
        MessageDigest sha256 = sha256();
        long size;
        try (OutputStream out = CompressionStreams.compressing(compression, Files.newOutputStream(staged))) {
            size = transfer(new DigestInputStream(content, sha256), out);
        }
        return new ArchivedObjectMetadata(compression, HexFormat.of().formatHex(sha256.digest()), size);
    }

    /** Reads {@code content} once for the SHA-256 and length that {@link #compress} would record, and keeps nothing. */
    public static ArchivedObjectMetadata measure(InputStream content, Compression compression) throws IOException {
        MessageDigest sha256 = sha256();
        long size = transfer(new DigestInputStream(content, sha256), OutputStream.nullOutputStream());
        return new ArchivedObjectMetadata(compression, HexFormat.of().formatHex(sha256.digest()), size);
    }

    /**
     * {@link InputStream#transferTo} with a larger buffer: reads from a socket's buffered stream then bypass its
     * buffer (one copy less), and a 16 MiB segment takes 64 calls through the digest and compressor, not 2,048.
     */
    private static long transfer(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[TRANSFER_BUFFER_SIZE];
        long total = 0;
        int read;
        while ((read = in.read(buffer)) != -1) {
            out.write(buffer, 0, read);
            total += read;
        }
        return total;
    }

    /**
     * Decompresses {@code object} into {@code name} of {@code directory} through its durable writer: the file
     * either does not appear or appears whole and verified, owned by the directory's files' owner.
     */
    public static void restore(
            InputStream object, ArchivedObjectMetadata metadata, HeldDirectory directory, String name)
            throws IOException {
        try (InputStream verified = verifying(object, metadata)) {
            directory.replace(name, verified);
        }
    }

    /**
     * The decompressed content of {@code object}, which fails instead of ending when it is not what was archived
     * (size or SHA-256), and stops at one byte past the recorded size so that a damaged or hostile object cannot fill
     * the disk. Whoever writes it somewhere must make it visible only once the stream has ended.
     */
    private static InputStream verifying(InputStream object, ArchivedObjectMetadata metadata) throws IOException {
        return new VerifyingStream(CompressionStreams.decompressing(metadata.compression(), object), metadata);
    }

    private static final class VerifyingStream extends FilterInputStream {
        private final ArchivedObjectMetadata metadata;
        private final MessageDigest sha256 = sha256();
        private long total;
        private boolean checked;

        VerifyingStream(InputStream decompressed, ArchivedObjectMetadata metadata) {
            super(decompressed);
            this.metadata = metadata;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int read = super.read(buffer, offset, length);
            if (read == -1) {
                check();
                return -1;
            }
            total += read;
            if (total > metadata.size()) {
                throw new DamagedObjectException(
                        "it decompresses to more than the " + metadata.size() + " bytes it "
                                + "was archived with; the object was damaged or changed",
                        null);
            }
            sha256.update(buffer, offset, read);
            return read;
        }

        private void check() throws DamagedObjectException {
            if (checked) {
                return;
            }
            checked = true;
            String actual = HexFormat.of().formatHex(sha256.digest());
            if (total != metadata.size() || !actual.equals(metadata.sha256())) {
                throw new DamagedObjectException(
                        "the content has SHA-256 " + actual + " and " + total + " bytes, but "
                                + "was archived with SHA-256 " + metadata.sha256() + " and " + metadata.size()
                                + " bytes; the "
                                + "object was damaged or changed",
                        null);
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    public static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // a leftover temporary file is harmless; the outcome that matters was already decided
        }
    }
}
