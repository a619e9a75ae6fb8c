package io.steward.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A directory the agent holds open, so that what it does inside cannot be steered elsewhere by renaming or linking
 * the directory or anything in it (safety rule 9): every entry is reached through this descriptor and never through
 * a link, and a file is checked once it is open (regular, owned by the expected user, one link) rather than before.
 *
 * <p>Opening follows the directory's own path, links included, but then insists that what it got belongs to an
 * expected user: a data directory must be the database user's. Whatever a link may point the agent to, it can then
 * only read or replace files that this user owns anyway, in a directory this user owns anyway.
 */
public final class HeldDirectory implements AutoCloseable {
    /** Config files, pid files: more than this is not what the agent expects, whatever the file says. */
    public static final int MAX_TEXT_BYTES = 1 << 20;

    private final Posix posix;
    private final Path path;
    private final int fd;
    private final FileOwner owner;
    private final FileStat stat;

    private HeldDirectory(Posix posix, Path path, int fd, FileOwner owner, FileStat stat) {
        this.posix = posix;
        this.path = path;
        this.fd = fd;
        this.owner = owner;
        this.stat = stat;
    }

    /**
     * Opens {@code directory}, which must belong to one of {@code owners}.
     *
     * @param filesOwner who owns the files this handle reads and creates
     */
    public static HeldDirectory open(Path directory, FileOwner filesOwner, Set<FileOwner> owners) throws IOException {
        return open(NativePosix.INSTANCE, directory, filesOwner, owners);
    }

    /** Opens {@code directory}, which, like the files read and created in it, must belong to {@code owner}. */
    public static HeldDirectory open(Path directory, FileOwner owner) throws IOException {
        return open(directory, owner, Set.of(owner));
    }

    /**
     * The directory a command writes into for whoever runs it: for root, any directory, whose owner then owns the
     * files written (the database's user, when root restores by hand); for anyone else, only a directory of their own.
     */
    public static HeldDirectory openForCaller(Path directory) throws IOException {
        FileOwner caller = FileOwner.current();
        if (!caller.isRoot()) {
            return open(directory, caller);
        }
        Posix posix = NativePosix.INSTANCE;
        int fd = openPath(posix, directory, false);
        try {
            FileStat stat = posix.fstat(fd);
            return new HeldDirectory(
                    posix, directory, fd, new FileOwner("user id " + stat.uid(), stat.uid(), stat.gid()), stat);
        } catch (IOException | RuntimeException e) {
            closeQuietly(posix, fd);
            throw e;
        }
    }

    /**
     * Like {@link #open(Path, FileOwner, Set)}, creating the directory and its missing ancestors first (as root's,
     * mode 0755) when they do not exist.
     */
    public static HeldDirectory openCreating(Path directory, FileOwner filesOwner, Set<FileOwner> owners)
            throws IOException {
        return open(NativePosix.INSTANCE, directory, filesOwner, owners, true);
    }

    static HeldDirectory open(Posix posix, Path directory, FileOwner filesOwner, Set<FileOwner> owners)
            throws IOException {
        return open(posix, directory, filesOwner, owners, false);
    }

    private static HeldDirectory open(
            Posix posix, Path directory, FileOwner filesOwner, Set<FileOwner> owners, boolean createMissing)
            throws IOException {
        int fd = openPath(posix, directory, createMissing);
        try {
            FileStat stat = posix.fstat(fd);
            if (owners.stream().noneMatch(stat::ownedBy)) {
                throw new UnsafeFileException(directory + " belongs to user id " + stat.uid() + ", not to "
                        + owners.stream().map(FileOwner::name).sorted().collect(Collectors.joining(" or ")));
            }
            return new HeldDirectory(posix, directory, fd, filesOwner, stat);
        } catch (IOException | RuntimeException e) {
            closeQuietly(posix, fd);
            throw e;
        }
    }

    /**
     * Root walks the path so that no other user can steer it (see {@link DirectoryWalk}); anyone else can only reach
     * what they may anyway, so the kernel's lookup does.
     */
    private static int openPath(Posix posix, Path directory, boolean createMissing) throws IOException {
        if (posix.currentUser().isRoot()) {
            return DirectoryWalk.open(posix, directory, createMissing);
        }
        if (createMissing) {
            java.nio.file.Files.createDirectories(directory);
        }
        return posix.openDirectory(directory.toString());
    }

    /** Where this directory was opened from, for messages. */
    public Path path() {
        return path;
    }

    public FileOwner filesOwner() {
        return owner;
    }

    /** The directory as it was when opened. */
    public FileStat stat() {
        return stat;
    }

    /** The entry {@code name} itself (a link is not followed), if there is one. */
    public Optional<FileStat> entry(String name) throws IOException {
        return posix.statEntry(fd, checkedName(name));
    }

    /** The whole file as UTF-8 text, if it exists; see {@link #openForReading} for what is refused. */
    public Optional<String> readText(String name) throws IOException {
        Optional<CheckedInput> in = openIfExists(name, MAX_TEXT_BYTES);
        if (in.isEmpty()) {
            return Optional.empty();
        }
        try (CheckedInput input = in.get()) {
            return Optional.of(new String(input.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /**
     * The file's last {@code maxBytes} bytes as UTF-8 text (the end of a log, for a message), if it exists; see
     * {@link #openForReading} for what is refused.
     */
    public Optional<String> readTail(String name, int maxBytes) throws IOException {
        Optional<CheckedInput> in = openIfExists(name, Long.MAX_VALUE);
        if (in.isEmpty()) {
            return Optional.empty();
        }
        try (CheckedInput input = in.get()) {
            input.skip(input.stat().size() - maxBytes);
            // a log may grow meanwhile: still no more than asked for
            return Optional.of(new String(input.readNBytes(maxBytes), StandardCharsets.UTF_8));
        }
    }

    /**
     * The names in this directory, listed through the descriptor held (its entry in /proc/self/fd leads to this very
     * directory, whatever its path leads to now); each name is then used through this descriptor, as everywhere here.
     */
    public List<String> names() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd", Integer.toString(fd)))) {
            return entries.map(entry -> entry.getFileName().toString()).toList();
        }
    }

    /**
     * Opens the file for reading. Refused: a link, anything but a regular file, a file of another user, and a file
     * with more than one link (a hard link can make a root-only file appear here).
     */
    public CheckedInput openForReading(String name) throws IOException {
        return openIfExists(name, Long.MAX_VALUE)
                .orElseThrow(() ->
                        new java.nio.file.NoSuchFileException(path.resolve(name).toString()));
    }

    private Optional<CheckedInput> openIfExists(String name, long maxBytes) throws IOException {
        int file;
        try {
            file = posix.openExisting(fd, checkedName(name), false);
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (UnsafeFileException e) {
            throw new UnsafeFileException(path.resolve(name) + " is a symbolic link; refusing to follow it");
        }
        try {
            FileStat stat = posix.fstat(file);
            requireOwnedRegularFile(name, stat);
            if (stat.size() > maxBytes) {
                throw new UnsafeFileException(
                        path.resolve(name) + " has " + stat.size() + " bytes, more than the " + maxBytes + " expected");
            }
            return Optional.of(new CheckedInput(posix, file, stat));
        } catch (IOException | RuntimeException e) {
            closeQuietly(posix, file);
            throw e;
        }
    }

    void requireOwnedRegularFile(String name, FileStat stat) throws UnsafeFileException {
        if (stat.type() != FileStat.Type.REGULAR) {
            throw new UnsafeFileException(path.resolve(name) + " is " + stat.describe() + ", not a regular file");
        }
        if (!stat.ownedBy(owner)) {
            throw new UnsafeFileException(
                    path.resolve(name) + " belongs to user id " + stat.uid() + ", not to " + owner.name());
        }
        // none is a file removed since it was opened (the database renamed its next dump over it): still the one
        // checked
        if (stat.links() > 1) {
            throw new UnsafeFileException(path.resolve(name) + " has " + stat.links() + " hard links; a file the agent "
                    + "reads or replaces must have only one");
        }
    }

    /** Replaces (or creates) the file durably; see {@link DurableFileWriter}. */
    public void replace(String name, String content) throws IOException {
        DurableFileWriter.replace(this, name, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Replaces (or creates) the file durably with what {@code content} holds; see {@link DurableFileWriter}. */
    public void replace(String name, InputStream content) throws IOException {
        DurableFileWriter.replace(this, name, content);
    }

    /**
     * Removes the file, if there is one, and makes the removal durable. A link is removed itself, never what it
     * points to; a directory is refused.
     *
     * @return whether there was one
     */
    public boolean delete(String name) throws IOException {
        Optional<FileStat> entry = posix.statEntry(fd, checkedName(name));
        if (entry.isEmpty()) {
            return false;
        }
        if (entry.get().type() == FileStat.Type.DIRECTORY) {
            throw new UnsafeFileException(path.resolve(name) + " is a directory; refusing to remove it");
        }
        try {
            posix.unlink(fd, name);
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
        posix.fsync(fd);
        return true;
    }

    /**
     * Renames the subdirectory {@code from}, which must belong to {@code expectedOwner}, to {@code to}, which must not
     * exist yet; durably.
     */
    public void renameDirectory(String from, String to, FileOwner expectedOwner) throws IOException {
        FileStat entry = posix.statEntry(fd, checkedName(from))
                .orElseThrow(() ->
                        new java.nio.file.NoSuchFileException(path.resolve(from).toString()));
        if (entry.type() != FileStat.Type.DIRECTORY || !entry.ownedBy(expectedOwner)) {
            throw new UnsafeFileException(path.resolve(from) + " is " + entry.describe() + " of user id " + entry.uid()
                    + ", not a directory of " + expectedOwner.name() + "; refusing to move it");
        }
        posix.rename(fd, from, checkedName(to), true);
        posix.fsync(fd);
    }

    /**
     * The subdirectory {@code name}, created when missing, owned by {@code newOwner} with {@code mode}. An existing
     * one must be a directory (not a link) of root or of {@code newOwner}; it is then given to {@code newOwner}.
     */
    public HeldDirectory createDirectory(String name, FileOwner newOwner, int mode) throws IOException {
        try {
            posix.mkdir(fd, checkedName(name), mode);
            posix.fsync(fd);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // opened and checked below like a new one
        }
        int child = posix.openExisting(fd, name, true);
        try {
            FileStat stat = posix.fstat(child);
            if (!stat.ownedBy(newOwner) && !stat.ownedBy(FileOwner.ROOT)) {
                throw new UnsafeFileException(path.resolve(name) + " belongs to user id " + stat.uid() + ", not to "
                        + newOwner.name() + " or root");
            }
            posix.fchown(child, newOwner.uid(), newOwner.gid());
            posix.fchmod(child, mode);
            return new HeldDirectory(posix, path.resolve(name), child, newOwner, posix.fstat(child));
        } catch (IOException | RuntimeException e) {
            closeQuietly(posix, child);
            throw e;
        }
    }

    /** The subdirectory {@code name} (not a link), which must belong to this directory's files' owner. */
    public HeldDirectory subdirectory(String name) throws IOException {
        int child = posix.openExisting(fd, checkedName(name), true);
        try {
            FileStat stat = posix.fstat(child);
            if (!stat.ownedBy(owner)) {
                throw new UnsafeFileException(
                        path.resolve(name) + " belongs to user id " + stat.uid() + ", not to " + owner.name());
            }
            return new HeldDirectory(posix, path.resolve(name), child, owner, stat);
        } catch (IOException | RuntimeException e) {
            closeQuietly(posix, child);
            throw e;
        }
    }

    Posix posix() {
        return posix;
    }

    int fd() {
        return fd;
    }

    /** One entry of this directory: a single name, never a path that could leave it. */
    static String checkedName(String name) {
        if (name.isEmpty()
                || name.equals(".")
                || name.equals("..")
                || name.indexOf('/') >= 0
                || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("'" + name + "' is not a file name");
        }
        return name;
    }

    static void closeQuietly(Posix posix, int fd) {
        try {
            posix.close(fd);
        } catch (IOException ignored) {
            // nothing was written through it, or what was written was already synced
        }
    }

    @Override
    public void close() {
        closeQuietly(posix, fd);
    }
}
