package io.steward.engine.support;

import io.steward.engine.EngineException;
import io.steward.files.FileOwner;
import io.steward.files.HeldDirectory;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.Set;

/**
 * What every engine does with a data directory as a whole. The agent is root and the directory is the server
 * user's, whose parent may be that user's too (Debian's packages: /var/lib/&lt;database&gt;): the directory is only
 * ever created, given away and renamed through its parent held open (see {@link HeldDirectory}), never by name.
 */
public final class DataDirectories {
    private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    private DataDirectories() {}

    /**
     * Renames {@code dataDir} to a sibling {@code <name>.reinit-<timestamp>} that does not exist yet, so that a
     * reinitialisation never deletes data an operator may still want; the rename is made durable. Does nothing when
     * {@code dataDir} is absent; refuses anything but a directory of {@code owner} (a link is not followed).
     *
     * @return where the directory went, or empty when there was none
     */
    public static Optional<Path> moveAside(Path dataDir, FileOwner owner, String step) {
        String name = dataDir.getFileName().toString();
        String stamp = LocalDateTime.now().format(SUFFIX);
        try (HeldDirectory parent = parentOf(dataDir, owner)) {
            if (parent.entry(name).isEmpty()) {
                return Optional.empty();
            }
            for (int attempt = 0; ; attempt++) {
                String aside = name + ".reinit-" + stamp + (attempt == 0 ? "" : "-" + attempt);
                try {
                    parent.renameDirectory(name, aside, owner);
                    return Optional.of(dataDir.resolveSibling(aside));
                } catch (FileAlreadyExistsException e) {
                    // an earlier reinitialisation in the same second: the next suffix
                }
            }
        } catch (IOException e) {
            throw new EngineException(step + ": cannot move " + dataDir + " aside: " + e.getMessage(), e);
        }
    }

    /**
     * The directory {@code dir}, created when missing (its missing ancestors as root's), given to {@code owner} with
     * {@code mode} through its own descriptor. An existing one must be a directory of root or {@code owner}.
     */
    public static HeldDirectory createOwned(Path dir, FileOwner owner, int mode) throws IOException {
        try (HeldDirectory held =
                HeldDirectory.openCreating(dir.toAbsolutePath().getParent(), owner, parentOwners(owner))) {
            return held.createDirectory(dir.getFileName().toString(), owner, mode);
        }
    }

    /** The parent of a directory of {@code owner}: root's, or that user's own. */
    private static HeldDirectory parentOf(Path dir, FileOwner owner) throws IOException {
        return HeldDirectory.open(dir.toAbsolutePath().getParent(), owner, parentOwners(owner));
    }

    private static Set<FileOwner> parentOwners(FileOwner owner) {
        return Set.of(FileOwner.ROOT, owner);
    }
}
