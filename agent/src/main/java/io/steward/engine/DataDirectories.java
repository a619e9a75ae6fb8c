package io.steward.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/** What every engine does with a data directory it must not simply overwrite. */
public final class DataDirectories {
    private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    private DataDirectories() {
    }

    /**
     * Renames {@code dataDir} to a sibling {@code <name>.reinit-<timestamp>} that does not exist yet, so that a
     * reinitialisation never deletes data an operator may still want. Does nothing when {@code dataDir} is absent.
     *
     * @return where the directory went, or empty when there was none
     */
    public static Optional<Path> moveAside(Path dataDir, String step) {
        if (!Files.exists(dataDir)) {
            return Optional.empty();
        }
        String stamp = LocalDateTime.now().format(SUFFIX);
        Path aside = dataDir.resolveSibling(dataDir.getFileName() + ".reinit-" + stamp);
        for (int attempt = 1; Files.exists(aside); attempt++) {
            aside = dataDir.resolveSibling(dataDir.getFileName() + ".reinit-" + stamp + "-" + attempt);
        }
        try {
            Files.move(dataDir, aside);
        } catch (IOException e) {
            throw new EngineException(step + ": cannot move " + dataDir + " aside to " + aside + ": " + e.getMessage(), e);
        }
        return Optional.of(aside);
    }
}
