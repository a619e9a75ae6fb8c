package io.steward.files;

import java.io.IOException;
import java.util.Optional;

/**
 * The few system calls that let the agent, running as root, work on a file of a less-privileged user without ever
 * resolving that user's path by name: everything below a directory it holds open goes through that descriptor
 * ({@code openat}, {@code renameat}, {@code unlinkat} without following links), and a file is checked after it is
 * opened ({@code fstat}), never before. An interface so that tests can watch the calls (e.g. that a replaced file
 * is synced before the rename and its directory after it) and make one fail.
 */
interface Posix {
    /** Opens a directory by its path (links followed: as root, only ever {@code /}: see {@link DirectoryWalk}). */
    int openDirectory(String path) throws IOException;

    /** The target of the link {@code name} in {@code directory}, as written. */
    String readLink(int directory, String name) throws IOException;

    /**
     * Opens an existing entry of {@code directory} for reading, not following a link, not blocking on a FIFO; a link
     * fails with an {@link UnsafeFileException}.
     */
    int openExisting(int directory, String name, boolean mustBeDirectory) throws IOException;

    /** Creates a new file in {@code directory} for writing; fails when the name exists, a link included. */
    int createExclusive(int directory, String name, int mode) throws IOException;

    FileStat fstat(int fd) throws IOException;

    /** The entry itself (a link is not followed); empty when there is none. */
    Optional<FileStat> statEntry(int directory, String name) throws IOException;

    void fchown(int fd, int uid, int gid) throws IOException;

    void fchmod(int fd, int mode) throws IOException;

    void fsync(int fd) throws IOException;

    /** Renames within {@code directory}; with {@code noReplace} it fails rather than replace an existing entry. */
    void rename(int directory, String from, String to, boolean noReplace) throws IOException;

    void unlink(int directory, String name) throws IOException;

    void mkdir(int directory, String name, int mode) throws IOException;

    /** Reads up to {@code length} bytes; 0 at the end of the file. */
    int read(int fd, byte[] buffer, int length) throws IOException;

    /** Moves the file's offset {@code count} bytes on (lseek from the current offset). */
    void skip(int fd, long count) throws IOException;

    /** Writes all of {@code length} bytes. */
    void write(int fd, byte[] buffer, int length) throws IOException;

    void close(int fd) throws IOException;

    /** The numeric ids of a user; empty when there is no such user. */
    Optional<FileOwner> user(String name);

    /** The effective user and group of this process. */
    FileOwner currentUser();
}
