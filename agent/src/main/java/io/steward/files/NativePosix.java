package io.steward.files;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.Optional;

/**
 * {@link Posix} through the C library (JNA). Linux only, which is where the agent runs: {@code statx} rather than
 * {@code fstat} because its structure is the same on every architecture, and the open flags that differ between
 * x86-64 and arm64 are chosen by architecture.
 */
final class NativePosix implements Posix {
    static final NativePosix INSTANCE = new NativePosix();

    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;
    private static final int O_NOCTTY = 0400;
    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;
    private static final boolean ARM = System.getProperty("os.arch").startsWith("aarch64")
            || System.getProperty("os.arch").startsWith("arm");
    private static final int O_DIRECTORY = ARM ? 040000 : 0200000;
    private static final int O_NOFOLLOW = ARM ? 0100000 : 0400000;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int RENAME_NOREPLACE = 1;
    private static final int ENOENT = 2;
    private static final int EINTR = 4;
    private static final int EEXIST = 17;
    private static final int ELOOP = 40;
    private static final int STATX_SIZE = 256;
    private static final int SEEK_CUR = 1;
    private static final int PATH_MAX = 4096;

    /** The C library's functions; each sets errno, which JNA turns into a {@link LastErrorException}. */
    private interface LibC extends Library {
        int open(String path, int flags, int mode) throws LastErrorException;

        int openat(int directory, String path, int flags, int mode) throws LastErrorException;

        NativeLong readlinkat(int directory, String path, byte[] buffer, NativeLong size) throws LastErrorException;

        int statx(int directory, String path, int flags, int mask, Pointer buffer) throws LastErrorException;

        int fchown(int fd, int uid, int gid) throws LastErrorException;

        int fchmod(int fd, int mode) throws LastErrorException;

        int fsync(int fd) throws LastErrorException;

        int renameat2(int fromDirectory, String from, int toDirectory, String to, int flags) throws LastErrorException;

        int unlinkat(int directory, String path, int flags) throws LastErrorException;

        int mkdirat(int directory, String path, int mode) throws LastErrorException;

        NativeLong read(int fd, byte[] buffer, NativeLong count) throws LastErrorException;

        NativeLong write(int fd, byte[] buffer, NativeLong count) throws LastErrorException;

        /** off_t is 64 bits on every architecture the agent runs on. */
        long lseek(int fd, long offset, int whence) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        Pointer getpwnam(String name);

        int geteuid();

        int getegid();
    }

    private final LibC libc = Native.load("c", LibC.class);

    private NativePosix() {}

    @Override
    public int openDirectory(String path) throws IOException {
        try {
            return libc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY, 0);
        } catch (LastErrorException e) {
            throw failure("open", path, e);
        }
    }

    @Override
    public String readLink(int directory, String name) throws IOException {
        byte[] buffer = new byte[PATH_MAX];
        try {
            int length = libc.readlinkat(directory, name, buffer, new NativeLong(buffer.length))
                    .intValue();
            if (length == buffer.length) {
                throw new IOException(
                        "cannot read the link " + name + ": its target is longer than " + PATH_MAX + " bytes");
            }
            return new String(buffer, 0, length, java.nio.charset.StandardCharsets.UTF_8);
        } catch (LastErrorException e) {
            throw failure("read the link", name, e);
        }
    }

    @Override
    public int openExisting(int directory, String name, boolean mustBeDirectory) throws IOException {
        int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (mustBeDirectory ? O_DIRECTORY : 0);
        try {
            return libc.openat(directory, name, flags, 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ELOOP) {
                // what O_NOFOLLOW answers for a link: said by this call, not by a look afterwards that may see another
                throw new UnsafeFileException(name + " is a symbolic link; refusing to follow it");
            }
            throw failure("open", name, e);
        }
    }

    @Override
    public int createExclusive(int directory, String name, int mode) throws IOException {
        try {
            return libc.openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, mode);
        } catch (LastErrorException e) {
            throw failure("create", name, e);
        }
    }

    @Override
    public FileStat fstat(int fd) throws IOException {
        try (Memory buffer = new Memory(STATX_SIZE)) {
            libc.statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, buffer);
            return stat(buffer);
        } catch (LastErrorException e) {
            throw failure("fstat", "descriptor " + fd, e);
        }
    }

    @Override
    public Optional<FileStat> statEntry(int directory, String name) throws IOException {
        try (Memory buffer = new Memory(STATX_SIZE)) {
            libc.statx(directory, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buffer);
            return Optional.of(stat(buffer));
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOENT) {
                return Optional.empty();
            }
            throw failure("stat", name, e);
        }
    }

    /**
     * struct statx: nlink at 16, uid 20, gid 24, mode 28 (16 bits), inode 32, size 40, change time 96 (seconds, 64
     * bits) and 104 (nanoseconds), device major 136 and minor 140.
     */
    private static FileStat stat(Memory buffer) {
        int mode = buffer.getShort(28) & 0xffff;
        FileStat.Type type = switch (mode & 0170000) {
            case 0100000 -> FileStat.Type.REGULAR;
            case 0040000 -> FileStat.Type.DIRECTORY;
            case 0120000 -> FileStat.Type.SYMBOLIC_LINK;
            default -> FileStat.Type.OTHER;
        };
        return new FileStat(
                type,
                mode & 07777,
                buffer.getInt(20),
                buffer.getInt(24),
                buffer.getInt(16) & 0xffffffffL,
                buffer.getLong(40),
                deviceNumber(buffer.getInt(136) & 0xffffffffL, buffer.getInt(140) & 0xffffffffL),
                buffer.getLong(32),
                Instant.ofEpochSecond(buffer.getLong(96), buffer.getInt(104) & 0xffffffffL));
    }

    /** st_dev as the C library encodes a major and minor number (its {@code makedev}). */
    private static long deviceNumber(long major, long minor) {
        return ((major & 0xfffff000L) << 32)
                | ((major & 0xfffL) << 8)
                | ((minor & 0xffffff00L) << 12)
                | (minor & 0xffL);
    }

    @Override
    public void fchown(int fd, int uid, int gid) throws IOException {
        try {
            libc.fchown(fd, uid, gid);
        } catch (LastErrorException e) {
            throw failure("chown", "descriptor " + fd, e);
        }
    }

    @Override
    public void fchmod(int fd, int mode) throws IOException {
        try {
            libc.fchmod(fd, mode);
        } catch (LastErrorException e) {
            throw failure("chmod", "descriptor " + fd, e);
        }
    }

    @Override
    public void fsync(int fd) throws IOException {
        try {
            libc.fsync(fd);
        } catch (LastErrorException e) {
            throw failure("fsync", "descriptor " + fd, e);
        }
    }

    @Override
    public void rename(int directory, String from, String to, boolean noReplace) throws IOException {
        try {
            libc.renameat2(directory, from, directory, to, noReplace ? RENAME_NOREPLACE : 0);
        } catch (LastErrorException e) {
            throw failure("rename", from + " to " + to, e);
        }
    }

    @Override
    public void unlink(int directory, String name) throws IOException {
        try {
            libc.unlinkat(directory, name, 0);
        } catch (LastErrorException e) {
            throw failure("remove", name, e);
        }
    }

    @Override
    public void mkdir(int directory, String name, int mode) throws IOException {
        try {
            libc.mkdirat(directory, name, mode);
        } catch (LastErrorException e) {
            throw failure("create the directory", name, e);
        }
    }

    @Override
    public int read(int fd, byte[] buffer, int length) throws IOException {
        while (true) {
            try {
                return libc.read(fd, buffer, new NativeLong(length)).intValue();
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    throw failure("read", "descriptor " + fd, e);
                }
            }
        }
    }

    @Override
    public void skip(int fd, long count) throws IOException {
        try {
            libc.lseek(fd, count, SEEK_CUR);
        } catch (LastErrorException e) {
            throw failure("seek in", "descriptor " + fd, e);
        }
    }

    @Override
    public void write(int fd, byte[] buffer, int length) throws IOException {
        byte[] rest = buffer;
        int remaining = length;
        while (remaining > 0) {
            try {
                int written = libc.write(fd, rest, new NativeLong(remaining)).intValue();
                remaining -= written;
                if (remaining > 0) {
                    rest = java.util.Arrays.copyOfRange(rest, written, written + remaining);
                }
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    throw failure("write", "descriptor " + fd, e);
                }
            }
        }
    }

    @Override
    public void close(int fd) throws IOException {
        try {
            libc.close(fd);
        } catch (LastErrorException e) {
            throw failure("close", "descriptor " + fd, e);
        }
    }

    /** struct passwd: two pointers (name, password), then uid and gid. */
    @Override
    public Optional<FileOwner> user(String name) {
        Pointer entry = libc.getpwnam(name);
        if (entry == null) {
            return Optional.empty();
        }
        return Optional.of(new FileOwner(
                name, entry.getInt(2L * Native.POINTER_SIZE), entry.getInt(2L * Native.POINTER_SIZE + 4)));
    }

    @Override
    public FileOwner currentUser() {
        int uid = libc.geteuid();
        return new FileOwner(uid == 0 ? "root" : System.getProperty("user.name"), uid, libc.getegid());
    }

    private static IOException failure(String what, String name, LastErrorException e) {
        String reason = e.getMessage().replaceFirst("^\\[\\d+\\]\\s*", "");
        return switch (e.getErrorCode()) {
            case ENOENT -> new NoSuchFileException(name, null, "cannot " + what + ": " + reason);
            case EEXIST -> new FileAlreadyExistsException(name, null, "cannot " + what + ": " + reason);
            default -> new IOException("cannot " + what + " " + name + ": " + reason);
        };
    }
}
