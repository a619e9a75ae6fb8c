package io.steward.files;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Opens a directory by its path, for root, one component at a time, so that no other user can steer where it lands.
 * The kernel's own lookup would follow any link on the way: with {@code /var/lib/<database>} the database user's, that
 * user could point {@code /var/lib/<database>/15} at {@code /etc} and have root create or rename things there.
 *
 * <p>Each component is opened relative to the one before without following links ({@code openat}, {@code O_NOFOLLOW}).
 * A link is followed by reading it and walking again from {@code /}. Along the way the walk notes every user other
 * than root who could have changed an entry it used: the owner of a directory it passed through, the owner of an
 * entry in a shared directory with the sticky bit ({@code /tmp}), anyone at all for a directory others may write
 * without it. If anyone was noted, the directory reached must be theirs: someone who controls part of a path can only
 * ever lead root into a directory of their own, never into root's or a third user's.
 *
 * <p>Paths are normalised lexically first, so {@code a/link/../b} means {@code a/b}; a link's target is resolved
 * against the real directory the link was found in.
 */
final class DirectoryWalk {
    private static final int ROOT = 0;
    /** Not a user id: "whoever may write to a shared directory without the sticky bit", which no directory is owned by. */
    private static final int ANYONE = -1;

    private static final int STICKY = 01000;
    private static final int MAX_LINKS = 40;
    private static final Path FILESYSTEM_ROOT = Path.of("/");

    private final Posix posix;
    private final boolean createMissing;
    private final Set<Integer> controllers = new TreeSet<>();
    private int linksFollowed;

    private DirectoryWalk(Posix posix, boolean createMissing) {
        this.posix = posix;
        this.createMissing = createMissing;
    }

    /**
     * The directory at {@code path}, opened; with {@code createMissing}, missing components are created on the way
     * (as the calling user, mode 0755).
     */
    static int open(Posix posix, Path path, boolean createMissing) throws IOException {
        return new DirectoryWalk(posix, createMissing)
                .walk(path.toAbsolutePath().normalize());
    }

    private int walk(Path path) throws IOException {
        Deque<String> remaining = components(path);
        Path at = FILESYSTEM_ROOT;
        int fd = posix.openDirectory(FILESYSTEM_ROOT.toString());
        try {
            while (!remaining.isEmpty()) {
                String name = remaining.pop();
                Optional<FileStat> entry = posix.statEntry(fd, name);
                if (entry.isEmpty()) {
                    createOrFail(fd, at.resolve(name), name);
                    remaining.push(name);
                    continue;
                }
                noteWhoControls(posix.fstat(fd), entry.get());
                switch (entry.get().type()) {
                    case DIRECTORY -> {
                        int child = posix.openExisting(fd, name, true);
                        HeldDirectory.closeQuietly(posix, fd);
                        fd = child;
                        at = at.resolve(name);
                    }
                    case SYMBOLIC_LINK -> {
                        if (++linksFollowed > MAX_LINKS) {
                            throw new FileSystemException(path.toString(), null, "too many levels of symbolic links");
                        }
                        Deque<String> next =
                                components(at.resolve(posix.readLink(fd, name)).normalize());
                        next.addAll(remaining);
                        remaining = next;
                        int top = posix.openDirectory(FILESYSTEM_ROOT.toString());
                        HeldDirectory.closeQuietly(posix, fd);
                        fd = top;
                        at = FILESYSTEM_ROOT;
                    }
                    default -> throw new NotDirectoryException(at.resolve(name).toString());
                }
            }
            checkReachedDirectory(path, posix.fstat(fd));
            return fd;
        } catch (IOException | RuntimeException e) {
            HeldDirectory.closeQuietly(posix, fd);
            throw e;
        }
    }

    private void createOrFail(int directory, Path missing, String name) throws IOException {
        if (!createMissing) {
            throw new NoSuchFileException(missing.toString());
        }
        try {
            posix.mkdir(directory, name, 0755);
        } catch (FileAlreadyExistsException e) {
            // made by someone else since the look: the walk looks again
        }
    }

    /** Who other than root could have put {@code entry} in {@code directory}, or could swap it for something else. */
    private void noteWhoControls(FileStat directory, FileStat entry) {
        if (directory.uid() != ROOT) {
            controllers.add(directory.uid());
        }
        int mode = directory.permissions();
        boolean othersMayWrite = (mode & 02) != 0 || ((mode & 020) != 0 && directory.gid() != ROOT);
        if (othersMayWrite) {
            if ((mode & STICKY) == 0) {
                controllers.add(ANYONE);
            } else if (entry.uid() != ROOT) {
                controllers.add(entry.uid());
            }
        }
    }

    private void checkReachedDirectory(Path path, FileStat reached) throws UnsafeFileException {
        for (int controller : controllers) {
            if (reached.uid() != controller) {
                throw new UnsafeFileException(path + " is reached through "
                        + (controller == ANYONE
                                ? "a directory anyone may write to"
                                : "entries user id " + controller + " can change")
                        + " but belongs to user id " + reached.uid() + "; refusing to use it as root");
            }
        }
    }

    private static Deque<String> components(Path absolute) {
        Deque<String> names = new ArrayDeque<>();
        for (Path name : absolute) {
            names.add(name.toString());
        }
        return names;
    }
}
