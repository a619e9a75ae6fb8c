package io.steward.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.engine.support.DataDirectories;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Root opening a directory by a path part of which another user ({@code nobody} here, the database's user in
 * production) controls: that user can lead root into a directory of their own, never into root's. Runs as root, as
 * the agent does.
 */
@Tag("root")
class DirectoryWalkTest {
    @TempDir
    Path base;

    private FileOwner nobody;
    private Path userHome;
    private Path rootOnly;

    @BeforeEach
    void layout() throws IOException {
        assertThat(FileOwner.current().isRoot())
                .as("these tests run as root, as the agent does")
                .isTrue();
        nobody = FileOwner.lookup("nobody");
        userHome = Files.createDirectory(base.resolve("home"));
        giveToNobody(userHome);
        rootOnly = Files.createDirectory(base.resolve("root-only"));
    }

    @Test
    void aLinkTheUserControlsCannotLeadRootIntoRootsDirectory() throws IOException {
        Files.createSymbolicLink(userHome.resolve("15"), rootOnly);

        assertThatThrownBy(
                        () -> DataDirectories.createOwned(userHome.resolve("15").resolve("main"), nobody, 0700))
                .isInstanceOf(UnsafeFileException.class)
                .hasMessageContaining("user id " + nobody.uid())
                .hasMessageContaining("belongs to user id 0");
        assertThat(rootOnly).isEmptyDirectory();
        assertThatThrownBy(() -> HeldDirectory.open(userHome.resolve("15"), nobody, Set.of(FileOwner.ROOT, nobody)))
                .isInstanceOf(UnsafeFileException.class);
    }

    @Test
    void aLinkTheUserControlsMayLeadToAnotherDirectoryOfTheirs() throws IOException {
        Path elsewhere = Files.createDirectory(base.resolve("wal-volume"));
        giveToNobody(elsewhere);
        Files.createSymbolicLink(userHome.resolve("pg_wal"), Path.of("../wal-volume"));

        try (HeldDirectory held = HeldDirectory.open(userHome.resolve("pg_wal"), nobody)) {
            held.createDirectory("archive_status", nobody, 0700).close();
        }
        assertThat(elsewhere.resolve("archive_status")).isDirectory();
    }

    @Test
    void rootsOwnLinksAreFollowedWhereverTheyLead() throws IOException {
        Files.createSymbolicLink(base.resolve("data"), userHome);
        Files.createSymbolicLink(base.resolve("etc-like"), rootOnly);

        try (HeldDirectory held = HeldDirectory.open(base.resolve("data"), nobody)) {
            assertThat(held.path()).isEqualTo(base.resolve("data"));
        }
        HeldDirectory.open(base.resolve("etc-like"), FileOwner.ROOT).close();
    }

    @Test
    void missingDirectoriesAreCreatedOnTheWay() throws IOException {
        Path deep = base.resolve("a/b/c");

        DataDirectories.createOwned(deep.resolve("main"), nobody, 0700).close();

        assertThat(Files.getOwner(deep.resolve("main")).getName()).isEqualTo("nobody");
        assertThat(Files.getOwner(deep).getName()).isEqualTo("root");
    }

    @Test
    void aDirectoryAnyoneMayWriteWithoutTheStickyBitLeadsNowhere() throws IOException {
        Path shared = Files.createDirectory(base.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createDirectory(shared.resolve("inside"));

        assertThatThrownBy(() -> HeldDirectory.open(shared.resolve("inside"), FileOwner.ROOT))
                .isInstanceOf(UnsafeFileException.class)
                .hasMessageContaining("anyone may write");
    }

    @Test
    void inAStickyDirectoryRootsEntriesStayRoots() throws IOException {
        Path tmp = Files.createDirectory(base.resolve("tmp"));
        Files.setAttribute(tmp, "unix:mode", 01777);
        Files.createDirectory(tmp.resolve("roots"));
        Path theirs = Files.createDirectory(tmp.resolve("theirs"));
        giveToNobody(theirs);
        Files.createSymbolicLink(theirs.resolve("escape"), rootOnly);

        HeldDirectory.open(tmp.resolve("roots"), FileOwner.ROOT).close();
        HeldDirectory.open(theirs, nobody).close();
        assertThatThrownBy(() -> HeldDirectory.open(theirs.resolve("escape"), FileOwner.ROOT))
                .isInstanceOf(UnsafeFileException.class);
    }

    @Test
    void aLoopOfLinksEnds() throws IOException {
        Files.createSymbolicLink(base.resolve("one"), base.resolve("two"));
        Files.createSymbolicLink(base.resolve("two"), base.resolve("one"));

        assertThatThrownBy(() -> HeldDirectory.open(base.resolve("one"), FileOwner.ROOT))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("too many levels of symbolic links");
    }

    private void giveToNobody(Path path) throws IOException {
        Files.setOwner(
                path, path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
    }
}
