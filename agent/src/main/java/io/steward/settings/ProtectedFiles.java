package io.steward.settings;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Files the agent reads at start that hold a secret (a password, a private key) or decide whom it trusts (a trust
 * store). The agent runs as root (DESIGN rule 9): such a file must be its own, a regular file reached without a
 * symbolic link, in a folder other users cannot replace it in, and, for a secret, readable by nobody else. Each
 * problem is recorded against the key that names the file.
 */
public final class ProtectedFiles {
    private static final Set<PosixFilePermission> OTHERS_WRITE =
            EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
    private static final Set<PosixFilePermission> OTHERS_ANY = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);
    /** The sticky bit: in such a folder (/tmp) nobody but a file's owner can rename or remove it. */
    private static final int STICKY = 01000;

    private ProtectedFiles() {}

    /**
     * The secret in the file that {@code key} names, without its final line break; empty (and a problem recorded)
     * when the file is missing, empty, or not protected.
     */
    static Optional<String> secret(Settings section, String key) {
        Optional<Path> path = checked(section, key, true);
        if (path.isEmpty()) {
            return Optional.empty();
        }
        String text;
        try (SeekableByteChannel channel =
                Files.newByteChannel(path.get(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer content = ByteBuffer.allocate((int) Math.min(channel.size(), 64 * 1024));
            while (content.hasRemaining() && channel.read(content) > 0) {
                // read up to 64 KiB: no password is longer
            }
            text = new String(content.array(), 0, content.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            section.problems().add(section.keyPath(key), path.get(), "a readable file; this one: " + e.getMessage());
            return Optional.empty();
        }
        String secret = text.endsWith("\r\n")
                ? text.substring(0, text.length() - 2)
                : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        if (secret.isEmpty()) {
            section.problems().add(section.keyPath(key), path.get(), "a file holding the secret; this one is empty");
            return Optional.empty();
        }
        return Optional.of(secret);
    }

    /**
     * The file that {@code key} names, when it passes the checks above; empty (and a problem recorded) when not.
     *
     * @param secret whether other users must not read it either (else only not change it)
     */
    public static Optional<Path> checked(Settings section, String key, boolean secret) {
        Optional<String> given = section.optionalString(key);
        if (given.isEmpty()) {
            return Optional.empty();
        }
        Path path = Path.of(given.get());
        Optional<String> wrong = whyNot(path, secret);
        if (wrong.isPresent()) {
            section.problems()
                    .add(
                            section.keyPath(key),
                            given.get(),
                            "an absolute path to a regular file owned by "
                                    + System.getProperty("user.name") + " (the agent's user), "
                                    + (secret
                                            ? "readable by it alone (chmod 600): it holds a secret"
                                            : "writable by it alone (chmod 644)")
                                    + ", in a folder only it can change; this one " + wrong.get());
            return Optional.empty();
        }
        return Optional.of(path);
    }

    private static Optional<String> whyNot(Path path, boolean secret) {
        if (!path.isAbsolute()) {
            return Optional.of("is relative");
        }
        PosixFileAttributes file;
        try {
            file = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return Optional.of("cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        if (file.isSymbolicLink()) {
            return Optional.of("is a symbolic link");
        }
        if (!file.isRegularFile()) {
            return Optional.of("is not a regular file");
        }
        if (!file.owner().getName().equals(System.getProperty("user.name"))) {
            return Optional.of("belongs to " + file.owner().getName());
        }
        Set<PosixFilePermission> forbidden = secret ? OTHERS_ANY : OTHERS_WRITE;
        if (file.permissions().stream().anyMatch(forbidden::contains)) {
            return Optional.of("has mode " + PosixFilePermissions.toString(file.permissions()));
        }
        Path folder = path.getParent();
        try {
            String folderOwner = Files.getOwner(folder).getName();
            if (!folderOwner.equals("root") && !folderOwner.equals(System.getProperty("user.name"))) {
                return Optional.of("is in " + folder + ", which belongs to " + folderOwner);
            }
            int mode = (Integer) Files.getAttribute(folder, "unix:mode");
            boolean othersMayReplace = (mode & 0022) != 0 && (mode & STICKY) == 0;
            return othersMayReplace
                    ? Optional.of("is in " + folder + ", which other users can write to")
                    : Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of("is in a folder whose mode cannot be read (" + e.getMessage() + ")");
        }
    }
}
