package io.steward.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The power-cut-safe writer on a real directory: what can be observed (content whole, no hidden file left, the old
 * file intact after a failure before the rename), and, through the {@link Posix} seam, that the file is synced
 * before the rename and the directory after it. Runs as root, as the agent does.
 */
@Timeout(30)
@Tag("root")
class DurableFileWriterTest {
    private Path dir;
    private RecordingPosix posix;
    private HeldDirectory held;

    @BeforeEach
    void open() throws IOException {
        dir = Files.createTempDirectory("steward-durable-");
        posix = new RecordingPosix();
        held = HeldDirectory.open(posix, dir, FileOwner.ROOT, Set.of(FileOwner.ROOT));
    }

    @AfterEach
    void close() throws IOException {
        held.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Collections.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    @Test
    void theContentIsSyncedThenRenamedThenTheDirectoryIsSynced() throws IOException {
        Files.writeString(dir.resolve("state"), "old\n");

        held.replace("state", "new\n");

        assertThat(Files.readString(dir.resolve("state"))).isEqualTo("new\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state"))))
                .isEqualTo("rw-------");
        assertThat(entries()).containsExactly("state");
        List<String> order = posix.calls.stream()
                .filter(c -> c.startsWith("fsync") || c.startsWith("rename") || c.startsWith("create"))
                .toList();
        assertThat(order)
                .containsExactly(
                        "create .state.steward-*", "fsync file", "rename .state.steward-* state", "fsync directory");
    }

    @Test
    void aLargeStreamArrivesWhole() throws IOException {
        byte[] content = new byte[3 * (1 << 16) + 123];
        new java.util.Random(7).nextBytes(content);

        held.replace("dump.rdb", new java.io.ByteArrayInputStream(content));

        assertThat(Files.readAllBytes(dir.resolve("dump.rdb"))).isEqualTo(content);
    }

    @Test
    void aFailureBeforeTheRenameLeavesTheOldFileAndNoHiddenOne() throws IOException {
        Files.writeString(dir.resolve("state"), "old\n");
        posix.failOn = "fsync file";

        assertThatThrownBy(() -> held.replace("state", "new\n"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("injected");

        assertThat(Files.readString(dir.resolve("state"))).isEqualTo("old\n");
        assertThat(entries()).containsExactly("state");
        posix.failOn = "rename";

        assertThatThrownBy(() -> held.replace("state", "new\n")).isInstanceOf(IOException.class);

        assertThat(Files.readString(dir.resolve("state"))).isEqualTo("old\n");
        assertThat(entries()).containsExactly("state");
    }

    @Test
    void aLinkAnotherUsersFileOrAHardLinkIsNeitherReplacedNorRead() throws Exception {
        Path secret = Files.writeString(Files.createTempFile("steward-secret-", ""), "root only\n");
        try {
            Files.createSymbolicLink(dir.resolve("linked"), secret);
            Files.createLink(dir.resolve("hard"), secret);
            Path foreign = Files.writeString(dir.resolve("foreign"), "nobody's\n");
            Files.setOwner(
                    foreign,
                    foreign.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));

            assertThatThrownBy(() -> held.replace("linked", "x"))
                    .isInstanceOf(UnsafeFileException.class)
                    .hasMessageContaining(dir.resolve("linked") + " is a symbolic link");
            assertThatThrownBy(() -> held.readText("linked"))
                    .isInstanceOf(UnsafeFileException.class)
                    .hasMessageContaining(dir.resolve("linked") + " is a symbolic link");
            assertThatThrownBy(() -> held.replace("hard", "x"))
                    .isInstanceOf(UnsafeFileException.class)
                    .hasMessageContaining(dir.resolve("hard") + " has 2 hard links");
            assertThatThrownBy(() -> held.readText("hard"))
                    .isInstanceOf(UnsafeFileException.class)
                    .hasMessageContaining("has 2 hard links");
            assertThatThrownBy(() -> held.replace("foreign", "x"))
                    .isInstanceOf(UnsafeFileException.class)
                    .hasMessageContaining(dir.resolve("foreign") + " belongs to user id");

            assertThat(Files.readString(secret)).isEqualTo("root only\n");
            assertThat(Files.isSymbolicLink(dir.resolve("linked"))).isTrue();
            assertThat(entries()).containsExactlyInAnyOrder("linked", "hard", "foreign");
        } finally {
            Files.delete(secret);
        }
    }

    @Test
    void aDirectoryOfAnotherUserIsNotHeld() throws IOException {
        Path foreign = Files.createDirectory(dir.resolve("foreign"));
        Files.setOwner(
                foreign, foreign.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));

        assertThatThrownBy(() -> HeldDirectory.open(foreign, FileOwner.ROOT))
                .isInstanceOf(UnsafeFileException.class)
                .hasMessageContaining(foreign + " belongs to user id");
    }

    @Test
    void aMissingFileReadsAsNothing() throws IOException {
        assertThat(held.readText("absent")).isEqualTo(Optional.empty());
        assertThat(held.delete("absent")).isFalse();
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).toList();
        }
    }

    /** The real calls, named in order (hidden names shortened to their pattern), one of them failing on demand. */
    private static final class RecordingPosix implements Posix {
        private final Posix real = NativePosix.INSTANCE;
        private final List<String> calls = new ArrayList<>();
        private final Set<Integer> directories = new java.util.HashSet<>();
        private String failOn = "";

        private void call(String name) throws IOException {
            calls.add(name);
            if (name.startsWith(failOn) && !failOn.isEmpty()) {
                failOn = "";
                throw new IOException("injected failure of " + name);
            }
        }

        private static String pattern(String name) {
            return name.replaceAll("steward-[0-9a-f]+$", "steward-*");
        }

        @Override
        public int openDirectory(String path) throws IOException {
            int fd = real.openDirectory(path);
            directories.add(fd);
            return fd;
        }

        @Override
        public String readLink(int directory, String name) throws IOException {
            return real.readLink(directory, name);
        }

        @Override
        public int openExisting(int directory, String name, boolean mustBeDirectory) throws IOException {
            return real.openExisting(directory, name, mustBeDirectory);
        }

        @Override
        public int createExclusive(int directory, String name, int mode) throws IOException {
            call("create " + pattern(name));
            return real.createExclusive(directory, name, mode);
        }

        @Override
        public FileStat fstat(int fd) throws IOException {
            return real.fstat(fd);
        }

        @Override
        public Optional<FileStat> statEntry(int directory, String name) throws IOException {
            return real.statEntry(directory, name);
        }

        @Override
        public void fchown(int fd, int uid, int gid) throws IOException {
            real.fchown(fd, uid, gid);
        }

        @Override
        public void fchmod(int fd, int mode) throws IOException {
            real.fchmod(fd, mode);
        }

        @Override
        public void fsync(int fd) throws IOException {
            call(directories.contains(fd) ? "fsync directory" : "fsync file");
            real.fsync(fd);
        }

        @Override
        public void rename(int directory, String from, String to, boolean noReplace) throws IOException {
            call("rename " + pattern(from) + " " + to);
            real.rename(directory, from, to, noReplace);
        }

        @Override
        public void unlink(int directory, String name) throws IOException {
            real.unlink(directory, name);
        }

        @Override
        public void mkdir(int directory, String name, int mode) throws IOException {
            real.mkdir(directory, name, mode);
        }

        @Override
        public int read(int fd, byte[] buffer, int length) throws IOException {
            return real.read(fd, buffer, length);
        }

        @Override
        public void skip(int fd, long count) throws IOException {
            real.skip(fd, count);
        }

        @Override
        public void write(int fd, byte[] buffer, int length) throws IOException {
            real.write(fd, buffer, length);
        }

        @Override
        public void close(int fd) throws IOException {
            real.close(fd);
        }

        @Override
        public Optional<FileOwner> user(String name) {
            return real.user(name);
        }

        @Override
        public FileOwner currentUser() {
            return real.currentUser();
        }
    }
}
