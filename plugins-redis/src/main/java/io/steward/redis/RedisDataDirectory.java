package io.steward.redis;

import io.steward.engine.DumpFile;
import io.steward.engine.support.CommandRunner;
import io.steward.engine.support.DataDirectories;
import io.steward.files.CheckedInput;
import io.steward.files.FileOwner;
import io.steward.files.FileStat;
import io.steward.files.HeldDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Redis's data directory as the agent reads and writes it. The agent runs as root and the directory is the server
 * user's, who can replace any file in it with a link (and, when the directory's parent is that user's too, the
 * directory itself): every file is reached through the directory held open (see {@link HeldDirectory}), never by
 * name, and one that is not a regular file of that user with one link is refused with its name. Files are written
 * durably, as the server user's and readable by it only (Steward's config holds the password).
 */
final class RedisDataDirectory {
    /** Written once the directory holds a complete dataset: a created cluster or a finished sync. */
    static final String MEMBER_MARKER = "steward-member";
    /** Redis's default dbfilename, which Steward's config keeps. */
    static final String RDB_FILE = "dump.rdb";

    private static final String APPEND_ONLY_DIRECTORY = "appendonlydir";
    /** Hard links of dumps that agents before this version handed over for upload; a crash left them behind. */
    private static final String OLD_BACKUP_LINK_PREFIX = "steward-backup-";
    /** The end of the server's log, for messages: more is never needed. */
    private static final int LOG_TAIL_BYTES = 64 * 1024;

    private final Path path;
    private final String osUser;

    RedisDataDirectory(Path path, String osUser) {
        this.path = path;
        this.osUser = osUser;
    }

    Path path() {
        return path;
    }

    /** Creates the directory when missing and gives it to the server's user, mode 0700, through its parent held. */
    void prepare() throws IOException {
        DataDirectories.createOwned(path, owner(), 0700).close();
    }

    /** Whether the directory holds a finished member's dataset. */
    boolean isMember() throws IOException {
        return inspect(dir -> dir.entry(MEMBER_MARKER).isPresent(), false);
    }

    /** Redis data that Steward did not create: a dump or an append-only file beside no config of Steward's. */
    boolean holdsForeignData() throws IOException {
        return inspect(
                dir -> dir.entry(RedisConfig.FILE_NAME).isEmpty()
                        && (dir.entry(RDB_FILE).isPresent()
                                || dir.entry(APPEND_ONLY_DIRECTORY).isPresent()),
                false);
    }

    /** Whether Redis has written its append-only file's directory. */
    boolean hasAppendOnlyFile() throws IOException {
        return inspect(
                dir -> dir.entry(APPEND_ONLY_DIRECTORY)
                        .filter(entry -> entry.type() == FileStat.Type.DIRECTORY)
                        .isPresent(),
                false);
    }

    /** The pid redis-server wrote, when there is a pid file and it holds a number. */
    Optional<Long> serverPid() throws IOException {
        return inspect(dir -> dir.readText(RedisConfig.PID_FILE_NAME), Optional.<String>empty())
                .map(String::strip)
                .filter(text -> text.matches("\\d{1,18}"))
                .map(Long::parseLong);
    }

    /** The end of the server's log, when there is one. */
    Optional<String> logTail() throws IOException {
        return inspect(dir -> dir.readTail(RedisConfig.LOG_FILE_NAME, LOG_TAIL_BYTES), Optional.empty());
    }

    /** The end of the server's log as the last lines of a message; never fails, since it only explains a failure. */
    String logTailForMessages() {
        try {
            return logTail().map(CommandRunner::tail).orElse("(no server log yet)");
        } catch (IOException e) {
            return "(the server log is unreadable: " + e.getMessage() + ")";
        }
    }

    void writeConfig(String content) throws IOException {
        modify(dir -> dir.replace(RedisConfig.FILE_NAME, content));
    }

    void markMember() throws IOException {
        modify(dir -> dir.replace(MEMBER_MARKER, "member of a Steward cluster\n"));
    }

    /**
     * Writes {@code dump} (a file of the agent's own) as dump.rdb: the server's user's, and whole or not at all.
     */
    void restoreDump(Path dump) throws IOException {
        try (InputStream content = Files.newInputStream(dump)) {
            modify(dir -> dir.replace(RDB_FILE, content));
        }
    }

    /**
     * Opens the dump Redis has just written, for the upload. Redis renames every new dump over dump.rdb: the
     * descriptor opened and checked here keeps this one's content for as long as the upload takes. With
     * {@code thenRemove} the name goes: at persistence no a restarted server must come back empty, not from it.
     */
    DumpFile openDump(boolean thenRemove) throws IOException {
        try (HeldDirectory dir = HeldDirectory.open(path, owner())) {
            CheckedInput dump = dir.openForReading(RDB_FILE);
            try {
                if (thenRemove) {
                    dir.delete(RDB_FILE);
                }
                return new DumpFile(dump, dump.stat().size(), RedisSettings.RDB_FORMAT);
            } catch (IOException | RuntimeException e) {
                dump.close();
                throw e;
            }
        }
    }

    /**
     * Removes the hard links of dumps that agents before this version made for their uploads and left behind when
     * they crashed: nothing will upload them any more.
     *
     * @return the names removed
     */
    List<String> removeOldBackupLinks() throws IOException {
        List<String> removed = new ArrayList<>();
        inspect(
                dir -> {
                    for (String name : dir.names()) {
                        if (name.startsWith(OLD_BACKUP_LINK_PREFIX) && name.endsWith(".rdb") && dir.delete(name)) {
                            removed.add(name);
                        }
                    }
                    return removed;
                },
                removed);
        return removed;
    }

    private interface Work<T> {
        T apply(HeldDirectory dir) throws IOException;
    }

    private interface Change {
        void apply(HeldDirectory dir) throws IOException;
    }

    /**
     * Looks into the directory, which may also be root's (an empty mount point the server never used): what is
     * read in it must still be the server user's own file.
     */
    private <T> T inspect(Work<T> work, T whenMissing) throws IOException {
        HeldDirectory dir;
        try {
            dir = HeldDirectory.open(path, owner(), Set.of(owner(), FileOwner.ROOT));
        } catch (NoSuchFileException e) {
            return whenMissing;
        }
        try (dir) {
            return work.apply(dir);
        }
    }

    /** Writes only into a directory of the server's user: never into one of root's that a link may lead to. */
    private void modify(Change change) throws IOException {
        try (HeldDirectory dir = HeldDirectory.open(path, owner())) {
            change.apply(dir);
        }
    }

    private FileOwner owner() {
        return FileOwner.lookup(osUser);
    }
}
