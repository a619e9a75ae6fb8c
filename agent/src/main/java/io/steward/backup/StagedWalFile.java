package io.steward.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A WAL file's bytes as the agent received them (from the command over the socket, or read ahead from the database
 * user's file), kept in a private temporary file of the agent's with their SHA-256 and size: what is uploaded, and
 * what tells whether an upload ahead was of the same content. Closing it deletes the file.
 */
final class StagedWalFile implements AutoCloseable {
    private final String name;
    private final Path file;
    private final String sha256;
    private final long size;

    private StagedWalFile(String name, Path file, String sha256, long size) {
        this.name = name;
        this.file = file;
        this.sha256 = sha256;
        this.size = size;
    }

    /** Copies exactly {@code size} bytes of {@code in}; fails when it ends before. */
    static StagedWalFile receive(String name, InputStream in, long size) throws IOException {
        Path file = Files.createTempFile("steward-wal-" + name + "-", ".staged");
        try {
            MessageDigest sha256 = VerifiedTransfer.sha256();
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), sha256)) {
                WalSocketProtocol.copyExactly(in, out, size);
            }
            return new StagedWalFile(name, file, HexFormat.of().formatHex(sha256.digest()), size);
        } catch (IOException | RuntimeException e) {
            VerifiedTransfer.deleteQuietly(file);
            throw e;
        }
    }

    String name() {
        return name;
    }

    boolean sameContent(String otherSha256, long otherSize) {
        return sha256.equals(otherSha256) && size == otherSize;
    }

    String sha256() {
        return sha256;
    }

    long size() {
        return size;
    }

    InputStream open() throws IOException {
        return Files.newInputStream(file);
    }

    @Override
    public void close() {
        VerifiedTransfer.deleteQuietly(file);
    }
}
